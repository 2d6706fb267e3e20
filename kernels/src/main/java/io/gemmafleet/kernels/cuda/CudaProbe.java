package io.gemmafleet.kernels.cuda;

import java.util.Optional;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Finds out once per process whether CUDA can run here, without ever letting a missing driver escape as a stack
 * trace.
 *
 * <p>Without the NVIDIA driver the first touch of {@link JCudaDriver} throws {@link UnsatisfiedLinkError}
 * ({@code libcuda.so.1} missing) and every later touch {@link NoClassDefFoundError}: both are caught here and turned
 * into a one-line reason. With a driver but no device, {@code cuInit} or the device count says so.
 */
public final class CudaProbe {

    private static Optional<String> unavailable;

    private CudaProbe() {}

    /** Empty when a CUDA device is usable; otherwise why not, in one line. */
    public static synchronized Optional<String> unavailableReason() {
        if (unavailable == null) {
            unavailable = probe();
        }
        return unavailable;
    }

    private static Optional<String> probe() {
        try {
            int init = JCudaDriver.cuInit(0);
            if (init == CUresult.CUDA_ERROR_NO_DEVICE) {
                return Optional.of("the NVIDIA driver reports no CUDA device");
            }
            if (init != CUresult.CUDA_SUCCESS) {
                return Optional.of("cuInit failed: " + CUresult.stringFor(init));
            }
            int[] count = new int[1];
            int result = JCudaDriver.cuDeviceGetCount(count);
            if (result != CUresult.CUDA_SUCCESS || count[0] == 0) {
                return Optional.of("no CUDA device found");
            }
            return Optional.empty();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String detail = root.getMessage() == null ? root.toString() : root.getMessage();
            return Optional.of(detail.contains("libcuda") ? "no NVIDIA driver (libcuda.so.1 not found)"
                    : "the CUDA driver library could not be loaded: " + firstLine(detail));
        } catch (RuntimeException e) {
            return Optional.of("CUDA probe failed: " + firstLine(String.valueOf(e.getMessage())));
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
