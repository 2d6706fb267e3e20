package io.gemmafleet.kernels.cuda;

import jcuda.driver.CUresult;

/** Checks driver return codes: every JCuda call goes through {@link #check} so no error passes silently. */
public final class Cuda {

    private Cuda() {}

    /** Throws a {@link CudaException} naming {@code what} unless {@code result} is {@code CUDA_SUCCESS}. */
    public static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(what + " failed: " + CUresult.stringFor(result), result);
        }
    }

    /** A driver version number such as 12060 as "12.6". */
    public static String versionName(int version) {
        return (version / 1000) + "." + (version % 1000) / 10;
    }
}
