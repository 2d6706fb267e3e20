package io.gemmafleet.backend.cpu.matmul;

import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;

/**
 * Products through the plain reference path: each row dequantized by {@link Dequantizer} into a per-thread
 * buffer, then a scalar dot product. Used where the CPU lacks 256-bit vectors (the Vector API would emulate them,
 * slower than this) and for F16 rows, which the Vector API cannot widen.
 */
final class ReferenceMatrix extends PackedMatrix {

    private final TensorData tensor;
    private final ThreadLocal<float[]> rowBuffer;

    ReferenceMatrix(TensorData tensor) {
        super(tensor);
        this.tensor = tensor;
        this.rowBuffer = ThreadLocal.withInitial(() -> new float[columns]);
    }

    private float[] decode(long rowOffset) {
        float[] row = rowBuffer.get();
        Dequantizer.decode(tensor.type(), data.asSlice(rowOffset, rowBytes), row, columns);
        return row;
    }

    private float dotRow(float[] row, float[] x, int xOffset) {
        float sum = 0;
        for (int i = 0; i < columns; i++) {
            sum += row[i] * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        return dotRow(decode(rowOffset), x, xOffset);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        float[] row = decode(rowOffset);
        result[0] = dotRow(row, x, x0);
        result[1] = dotRow(row, x, x1);
        result[2] = dotRow(row, x, x2);
        result[3] = dotRow(row, x, x3);
    }
}
