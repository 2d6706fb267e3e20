package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.B;
import static io.gemmafleet.backend.cpu.matmul.Lanes.F;
import static io.gemmafleet.backend.cpu.matmul.Lanes.L;
import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;

import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Products with a Q8_0 matrix. Block of 32 weights: an fp16 scale {@code d}, then 32 signed bytes {@code q};
 * weight = d × q. Each block's partial dot product is accumulated unscaled, then added times {@code d}.
 */
final class Q8Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    Q8Matrix(TensorData tensor) {
        super(tensor);
    }

    private FloatVector weights(long blockOffset, int j) {
        return ByteVector.fromMemorySegment(B, data, blockOffset + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0)
                .reinterpretAsFloats();
    }

    private float scale(long blockOffset) {
        return Float.float16ToFloat(data.get(SHORT, blockOffset));
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(F);
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            int xb = xOffset + b * BLOCK;
            FloatVector part = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += L) {
                part = weights(block, j).fma(FloatVector.fromArray(F, x, xb + j), part);
            }
            acc = part.fma(FloatVector.broadcast(F, scale(block)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            int o = b * BLOCK;
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 0; j < BLOCK; j += L) {
                FloatVector w = weights(block, j);
                p0 = w.fma(FloatVector.fromArray(F, x, x0 + o + j), p0);
                p1 = w.fma(FloatVector.fromArray(F, x, x1 + o + j), p1);
                p2 = w.fma(FloatVector.fromArray(F, x, x2 + o + j), p2);
                p3 = w.fma(FloatVector.fromArray(F, x, x3 + o + j), p3);
            }
            FloatVector dv = FloatVector.broadcast(F, scale(block));
            a0 = p0.fma(dv, a0);
            a1 = p1.fma(dv, a1);
            a2 = p2.fma(dv, a2);
            a3 = p3.fma(dv, a3);
        }
        result[0] = a0.reduceLanes(VectorOperators.ADD);
        result[1] = a1.reduceLanes(VectorOperators.ADD);
        result[2] = a2.reduceLanes(VectorOperators.ADD);
        result[3] = a3.reduceLanes(VectorOperators.ADD);
    }
}
