package io.gemmafleet.backend;

import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A kind of hardware that can run a Gemma 3 model: it turns loaded weights into an executor.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} (see {@link Backends}), so a backend that needs
 * native libraries (CUDA) lives in its own module and the worker runs without it.
 */
public interface Backend {

    /** Short name, as given to {@code --backend}. */
    String name();

    /**
     * Why this backend cannot run on this machine (no GPU, no driver), as one line for a person; empty when it can.
     * Probes at most once per process and never throws.
     */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /**
     * The memory a model may be planned into on this backend, measured now (call it before opening an executor).
     * The default is the host's: {@code configuredBytes} when given, else the machine's physical memory (see
     * {@link MemoryBudget} for why not the heap). A device backend measures its free memory and takes
     * {@code deviceUtilisation} of it, capped by {@code configuredBytes}.
     */
    default MemoryBudget memoryBudget(double deviceUtilisation, OptionalLong configuredBytes) {
        MemoryBudget.checkUtilisation(deviceUtilisation);
        return configuredBytes.isPresent() ? MemoryBudget.configured(configuredBytes.getAsLong())
                : MemoryBudget.physicalMemory();
    }

    /**
     * Bytes {@code checkpoint}'s weights will take once {@linkplain #open opened} on this backend, computed from the
     * tensor headers without reading the weights. The default is their size as stored (a backend that serves the
     * mapped weights as they are); a backend that converts encodings at upload overrides it.
     */
    default long residentWeightBytes(Checkpoint checkpoint) {
        return checkpoint.decoderWeightBytes();
    }

    /** Makes the model resident on this backend. The weights must outlive the executor. */
    ModelExecutor open(Gemma3Weights weights, ExecutorOptions options);
}
