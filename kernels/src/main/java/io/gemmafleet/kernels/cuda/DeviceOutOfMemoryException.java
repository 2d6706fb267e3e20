package io.gemmafleet.kernels.cuda;

/**
 * A device allocation failed with {@code CUDA_ERROR_OUT_OF_MEMORY}. The memory planner and the fallback ladder
 * catch this one to step down (a smaller model or context) instead of failing the worker.
 */
public final class DeviceOutOfMemoryException extends CudaException {

    private final long requestedBytes;

    public DeviceOutOfMemoryException(String what, long requestedBytes, int code) {
        super("out of GPU memory allocating " + requestedBytes + " bytes for " + what, code);
        this.requestedBytes = requestedBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }
}
