package io.gemmafleet.backend.cpu;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.model.Gemma3Weights;

/** The CPU backend: Java Vector API kernels on memory-mapped weights, across all cores. */
public final class CpuBackend implements Backend {

    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModelExecutor open(Gemma3Weights weights, ExecutorOptions options) {
        return new CpuExecutor(weights, options);
    }
}
