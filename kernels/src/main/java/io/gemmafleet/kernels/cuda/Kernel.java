package io.gemmafleet.kernels.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * One {@code extern "C"} kernel of a loaded module, launched with arguments given as Java values.
 *
 * <p>Arguments map by type: {@link CUdeviceptr} or {@link DeviceBuffer} to a device pointer ({@code null} to a
 * null pointer), {@code Integer} to {@code int}, {@code Long} to {@code long}, {@code Float} to {@code float},
 * {@code Double} to {@code double}. The typed wrappers in {@code KernelLibrary} are the only callers, so the order
 * and types are checked in one place against the CUDA signatures.
 */
public final class Kernel {

    private final String name;
    private final CUfunction function = new CUfunction();

    public Kernel(CUmodule module, String name) {
        this.name = name;
        Cuda.check(JCudaDriver.cuModuleGetFunction(function, module, name), "finding kernel " + name);
    }

    public String name() {
        return name;
    }

    /** The profile groups matmuls by their output rows (which matrix) and the rest by kernel name. */
    private String profileName(int gridX, int gridY) {
        return name.startsWith("matmul") ? name + " grid " + gridX + "x" + gridY : name;
    }

    /** Allows more than the default 48 KiB of dynamic shared memory per block. */
    public void allowSharedMemory(int bytes) {
        Cuda.check(JCudaDriver.cuFuncSetAttribute(function,
                CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes), name + " shared memory");
    }

    /** Queues the kernel on {@code stream}; faults surface at the next synchronisation. */
    public void launch(CUstream stream, int gridX, int gridY, int gridZ, int block, int sharedBytes, Object... args) {
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) {
            throw new IllegalArgumentException(name + ": empty grid " + gridX + "x" + gridY + "x" + gridZ);
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case null -> Pointer.to(new CUdeviceptr());
                case CUdeviceptr p -> Pointer.to(p);
                case DeviceBuffer b -> Pointer.to(b.pointer());
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Double v -> Pointer.to(new double[] {v});
                default -> throw new IllegalArgumentException(name + ": argument " + i + " has unsupported type "
                        + args[i].getClass().getSimpleName());
            };
        }
        CUevent[] events = KernelProfiler.recording() ? KernelProfiler.before(stream) : null;
        Cuda.check(JCudaDriver.cuLaunchKernel(function, gridX, gridY, gridZ, block, 1, 1, sharedBytes, stream,
                Pointer.to(params), null), "launching " + name);
        if (events != null) {
            KernelProfiler.after(profileName(gridX, gridY), events, stream);
        }
    }
}
