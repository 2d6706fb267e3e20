package io.gemmafleet.backend;

import io.gemmafleet.model.Gemma3Weights;
import java.util.Optional;

/**
 * A test-only accelerator backend that is never usable, registered for the worker's tests through
 * {@code src/test/resources/META-INF/services/io.gemmafleet.backend.Backend}: what {@code --backend} sees on a
 * machine where the CUDA backend is on the class path but finds no GPU.
 */
public final class FakeGpuBackend implements Backend {

    public static final String NAME = "fakegpu";
    public static final String REASON = "no fake device";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.of(REASON);
    }

    @Override
    public ModelExecutor open(Gemma3Weights weights, ExecutorOptions options) {
        throw new IllegalStateException(NAME + ": " + REASON);
    }
}
