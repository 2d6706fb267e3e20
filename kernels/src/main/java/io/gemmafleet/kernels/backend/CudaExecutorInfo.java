package io.gemmafleet.kernels.backend;

import io.gemmafleet.backend.ModelExecutor;

/** Figures of a CUDA executor for benchmarks: what one step must stream, to turn step times into bandwidth. */
public final class CudaExecutorInfo {

    private CudaExecutorInfo() {}

    /** Weight bytes a batch-1 decode step reads (every matrix once, the embedding as the logits matrix). */
    public static long weightBytesPerStep(ModelExecutor executor) {
        if (executor instanceof CudaExecutor cuda) {
            return cuda.weightBytesPerStep();
        }
        throw new IllegalArgumentException("not a CUDA executor: " + executor.getClass().getSimpleName());
    }
}
