package io.gemmafleet.kernels.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/** One device allocation: its address and size. Closing frees it; closing twice is harmless. */
public final class DeviceBuffer implements AutoCloseable {

    private final CUdeviceptr pointer;
    private final long bytes;
    private final String label;
    private boolean freed;

    DeviceBuffer(CUdeviceptr pointer, long bytes, String label) {
        this.pointer = pointer;
        this.bytes = bytes;
        this.label = label;
    }

    public CUdeviceptr pointer() {
        if (freed) {
            throw new IllegalStateException("device buffer " + label + " used after it was freed");
        }
        return pointer;
    }

    /** The address {@code offset} bytes into this buffer. */
    public CUdeviceptr at(long offset) {
        if (offset < 0 || offset > bytes) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside " + label + " (" + bytes + " bytes)");
        }
        return pointer().withByteOffset(offset);
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            JCudaDriver.cuMemFree(pointer);
        }
    }
}
