package io.gemmafleet.backend;

import io.gemmafleet.model.Gemma3Weights;
import java.util.Optional;

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

    /** Makes the model resident on this backend. The weights must outlive the executor. */
    ModelExecutor open(Gemma3Weights weights, ExecutorOptions options);
}
