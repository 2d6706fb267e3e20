package io.gemmafleet.kernels.cuda;

/** A CUDA driver call failed; the message names the call and the driver's error code. */
public class CudaException extends RuntimeException {

    private final int code;

    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The driver's {@code CUresult}, or 0 when the failure was not a driver return code. */
    public int code() {
        return code;
    }
}
