package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB;

import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Products with a Q8_0 matrix. Block of 32 weights: an fp16 scale {@code d}, then 32 signed bytes {@code q};
 * weight = d × q. A block is decoded into four 8-lane float vectors in registers, each slice with its own
 * accumulator so consecutive blocks do not wait on one FMA chain.
 */
final class Q8Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    Q8Matrix(TensorData tensor) {
        super(tensor);
    }

    /** Weights {@code j .. j+7} of the block at {@code blockOffset}. */
    private FloatVector weights(long blockOffset, int j, FloatVector d) {
        return ((FloatVector) ByteVector.fromMemorySegment(QB, data, blockOffset + 2 + j, LE)
                .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
    }

    private FloatVector scale(long blockOffset) {
        return FloatVector.broadcast(Q, Float.float16ToFloat(data.get(SHORT, blockOffset)));
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector d = scale(block);
            int o = xOffset + b * BLOCK;
            a0 = weights(block, 0, d).fma(FloatVector.fromArray(Q, x, o), a0);
            a1 = weights(block, 8, d).fma(FloatVector.fromArray(Q, x, o + 8), a1);
            a2 = weights(block, 16, d).fma(FloatVector.fromArray(Q, x, o + 16), a2);
            a3 = weights(block, 24, d).fma(FloatVector.fromArray(Q, x, o + 24), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        FloatVector e0 = FloatVector.zero(Q), e1 = e0, e2 = e0, e3 = e0;
        FloatVector o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector d = scale(block);
            FloatVector w0 = weights(block, 0, d);
            FloatVector w1 = weights(block, 8, d);
            FloatVector w2 = weights(block, 16, d);
            FloatVector w3 = weights(block, 24, d);
            int o = b * BLOCK;
            e0 = w2.fma(FloatVector.fromArray(Q, x, x0 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x0 + o), e0));
            o0 = w3.fma(FloatVector.fromArray(Q, x, x0 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x0 + o + 8), o0));
            e1 = w2.fma(FloatVector.fromArray(Q, x, x1 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x1 + o), e1));
            o1 = w3.fma(FloatVector.fromArray(Q, x, x1 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x1 + o + 8), o1));
            e2 = w2.fma(FloatVector.fromArray(Q, x, x2 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x2 + o), e2));
            o2 = w3.fma(FloatVector.fromArray(Q, x, x2 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x2 + o + 8), o2));
            e3 = w2.fma(FloatVector.fromArray(Q, x, x3 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x3 + o), e3));
            o3 = w3.fma(FloatVector.fromArray(Q, x, x3 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x3 + o + 8), o3));
        }
        reduce4(e0, e1, e2, e3, o0, o1, o2, o3, result);
    }
}
