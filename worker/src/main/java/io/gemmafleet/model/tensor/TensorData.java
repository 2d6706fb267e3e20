package io.gemmafleet.model.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One weight tensor as it lies in a checkpoint: its name, element type, shape and the bytes themselves.
 *
 * <p>{@code shape} is in numpy/PyTorch order (outermost first, last axis fastest): a linear layer's weight is
 * {@code [out, in]} and each of its {@code out} rows is stored contiguously. (GGUF records dimensions the other
 * way round; the GGUF reader reverses them.) {@code data} is normally a slice of a memory-mapped file, so a
 * tensor costs no Java heap.
 */
public record TensorData(String name, GgmlType type, long[] shape, MemorySegment data) {

    public TensorData {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Total number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Number of rows of a 2-D tensor ({@code shape[0]}), or 1 for a vector. */
    public long rows() {
        return shape.length == 1 ? 1 : shape[0];
    }

    /** Length of the fastest axis. */
    public long columns() {
        return shape[shape.length - 1];
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
