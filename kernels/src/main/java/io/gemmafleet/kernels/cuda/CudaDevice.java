package io.gemmafleet.kernels.cuda;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * One GPU as a worker uses it: a context, the worker's one stream, and allocations counted by purpose.
 *
 * <p>Every allocation goes through {@link #allocate}, which turns {@code CUDA_ERROR_OUT_OF_MEMORY} into a
 * {@link DeviceOutOfMemoryException} (the fallback ladder's signal) and keeps per-purpose totals for the memory
 * planner and the metrics. Not thread-safe: the engine thread that owns the executor drives it.
 */
public final class CudaDevice implements AutoCloseable {

    /** What an allocation is for: reported separately because the planner budgets them separately. */
    public enum Purpose { WEIGHTS, KV_CACHE, ACTIVATIONS }

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final String name;
    private final int computeMajor;
    private final int computeMinor;
    private final int driverVersion;
    private final Map<Purpose, Long> allocated = new EnumMap<>(Purpose.class);

    private CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        Cuda.check(JCudaDriver.cuInit(0), "cuInit");
        Cuda.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        Cuda.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        Cuda.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        Cuda.check(JCudaDriver.cuStreamCreate(stream, 0), "cuStreamCreate");
        byte[] nameBytes = new byte[256];
        Cuda.check(JCudaDriver.cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
        this.name = cString(nameBytes);
        this.computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int[] version = new int[1];
        Cuda.check(JCudaDriver.cuDriverGetVersion(version), "cuDriverGetVersion");
        this.driverVersion = version[0];
        for (Purpose p : Purpose.values()) {
            allocated.put(p, 0L);
        }
    }

    /** Opens device {@code ordinal}; call {@link CudaProbe#unavailableReason()} first for a friendly message. */
    public static CudaDevice open(int ordinal) {
        return new CudaDevice(ordinal);
    }

    public String name() {
        return name;
    }

    public int computeCapability() {
        return computeMajor * 10 + computeMinor;
    }

    /** The CUDA version the driver supports, e.g. 13000 for CUDA 13.0. */
    public int driverVersion() {
        return driverVersion;
    }

    public CUstream stream() {
        return stream;
    }

    /** Makes this device's context current on the calling thread (needed once per thread that launches). */
    public void makeCurrent() {
        Cuda.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Free and total device memory, in bytes, as the driver reports them now. */
    public long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        Cuda.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** Bytes this object has allocated for {@code purpose} and not yet freed through {@link #free}. */
    public long allocated(Purpose purpose) {
        return allocated.get(purpose);
    }

    /**
     * Allocates {@code bytes} (rounded up to 256) of device memory.
     *
     * @throws DeviceOutOfMemoryException when the device has not enough free memory
     */
    public DeviceBuffer allocate(long bytes, Purpose purpose, String label) {
        long size = Math.max(256, (bytes + 255) & ~255L);
        CUdeviceptr pointer = new CUdeviceptr();
        int result = JCudaDriver.cuMemAlloc(pointer, size);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new DeviceOutOfMemoryException(label, size, result);
        }
        Cuda.check(result, "cuMemAlloc(" + size + " bytes for " + label + ")");
        allocated.merge(purpose, size, Long::sum);
        return new DeviceBuffer(pointer, size, label);
    }

    /** Frees a buffer allocated for {@code purpose}. */
    public void free(DeviceBuffer buffer, Purpose purpose) {
        if (buffer != null) {
            allocated.merge(purpose, -buffer.bytes(), Long::sum);
            buffer.close();
        }
    }

    public void copyToDevice(CUdeviceptr dst, float[] src, int count) {
        Cuda.check(JCudaDriver.cuMemcpyHtoD(dst, Pointer.to(src), (long) count * Float.BYTES), "copy floats to device");
    }

    public void copyToDevice(CUdeviceptr dst, int[] src, int count) {
        Cuda.check(JCudaDriver.cuMemcpyHtoD(dst, Pointer.to(src), (long) count * Integer.BYTES), "copy ints to device");
    }

    public void copyToDevice(CUdeviceptr dst, byte[] src, long count) {
        Cuda.check(JCudaDriver.cuMemcpyHtoD(dst, Pointer.to(src), count), "copy bytes to device");
    }

    /** Copies a (possibly memory-mapped, possibly larger than 2 GiB) host segment to the device in chunks. */
    public void copyToDevice(CUdeviceptr dst, MemorySegment src) {
        final long chunk = 1L << 30;
        for (long offset = 0; offset < src.byteSize(); offset += chunk) {
            long n = Math.min(chunk, src.byteSize() - offset);
            ByteBuffer view = src.asSlice(offset, n).asByteBuffer();
            Cuda.check(JCudaDriver.cuMemcpyHtoD(dst.withByteOffset(offset), Pointer.to(view), n),
                    "copy " + n + " bytes to device");
        }
    }

    public void copyToHost(float[] dst, CUdeviceptr src, int count) {
        Cuda.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), src, (long) count * Float.BYTES), "copy floats to host");
    }

    public void copyToHost(int[] dst, CUdeviceptr src, int count) {
        Cuda.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), src, (long) count * Integer.BYTES), "copy ints to host");
    }

    /** Waits until everything queued on the worker's stream has run; surfaces asynchronous kernel faults. */
    public void synchronize() {
        Cuda.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public void close() {
        JCudaDriver.cuStreamSynchronize(stream);
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }

    @Override
    public String toString() {
        return name + " (sm_" + computeCapability() + ", driver CUDA " + Cuda.versionName(driverVersion) + ")";
    }

    private int attribute(int which) {
        int[] value = new int[1];
        Cuda.check(JCudaDriver.cuDeviceGetAttribute(value, which, device), "cuDeviceGetAttribute");
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
