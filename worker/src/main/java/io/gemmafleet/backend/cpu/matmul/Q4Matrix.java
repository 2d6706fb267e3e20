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
 * Products with a Q4_0 matrix (the format of Google's QAT releases). Block of 32 weights: an fp16 scale
 * {@code d}, then 16 bytes whose low nibbles are elements 0–15 and high nibbles elements 16–31; weight =
 * d × (nibble − 8). The nibbles are split and widened to floats in registers.
 */
final class Q4Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;
    private static final int HALF = 16;
    private static final int BLOCK_BYTES = 18;

    Q4Matrix(TensorData tensor) {
        super(tensor);
    }

    private ByteVector nibbles(long blockOffset, int j) {
        return ByteVector.fromMemorySegment(B, data, blockOffset + 2 + j, LE);
    }

    /** Elements {@code j .. j+L} of the block (low nibbles), centred. */
    private static FloatVector low(ByteVector packed) {
        return packed.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0).reinterpretAsFloats();
    }

    /** Elements {@code 16 + j .. 16 + j + L} of the block (high nibbles), centred. */
    private static FloatVector high(ByteVector packed) {
        return packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)
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
            for (int j = 0; j < HALF; j += L) {
                ByteVector packed = nibbles(block, j);
                part = low(packed).fma(FloatVector.fromArray(F, x, xb + j), part);
                part = high(packed).fma(FloatVector.fromArray(F, x, xb + HALF + j), part);
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
            for (int j = 0; j < HALF; j += L) {
                ByteVector packed = nibbles(block, j);
                FloatVector lo = low(packed);
                FloatVector hi = high(packed);
                int lj = o + j;
                int hj = o + HALF + j;
                p0 = hi.fma(FloatVector.fromArray(F, x, x0 + hj), lo.fma(FloatVector.fromArray(F, x, x0 + lj), p0));
                p1 = hi.fma(FloatVector.fromArray(F, x, x1 + hj), lo.fma(FloatVector.fromArray(F, x, x1 + lj), p1));
                p2 = hi.fma(FloatVector.fromArray(F, x, x2 + hj), lo.fma(FloatVector.fromArray(F, x, x2 + lj), p2));
                p3 = hi.fma(FloatVector.fromArray(F, x, x3 + hj), lo.fma(FloatVector.fromArray(F, x, x3 + lj), p3));
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
