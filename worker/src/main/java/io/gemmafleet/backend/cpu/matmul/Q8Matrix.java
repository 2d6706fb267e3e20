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
 * accumulator so consecutive blocks do not wait on one FMA chain. Decoding is written out in each method, not in
 * helpers, for the reason given in {@link Q4Matrix}.
 */
final class Q8Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    Q8Matrix(TensorData tensor) {
        super(tensor);
    }

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int first = from / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long block = rowOffset + (long) (first + b) * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(Q, Float.float16ToFloat(data.get(SHORT, block)));
            int o = dstOffset + b * BLOCK;
            ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 2, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d).intoArray(dst, o);
            ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 10, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d).intoArray(dst, o + 8);
            ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 18, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d).intoArray(dst, o + 16);
            ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 26, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d).intoArray(dst, o + 24);
        }
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(Q, Float.float16ToFloat(data.get(SHORT, block)));
            FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 2, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 10, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 18, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w3 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 26, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            int o = xOffset + b * BLOCK;
            a0 = w0.fma(FloatVector.fromArray(Q, x, o), a0);
            a1 = w1.fma(FloatVector.fromArray(Q, x, o + 8), a1);
            a2 = w2.fma(FloatVector.fromArray(Q, x, o + 16), a2);
            a3 = w3.fma(FloatVector.fromArray(Q, x, o + 24), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        // One accumulator per input (as Q4Matrix.dot4): even/odd pairs need eight accumulators beside the decoded
        // weights, more vectors than C2 keeps in AVX2's registers, and the spills ran four inputs slower than one.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(Q, Float.float16ToFloat(data.get(SHORT, block)));
            FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 2, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 10, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 18, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w3 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 26, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            int o = b * BLOCK;
            a0 = w0.fma(FloatVector.fromArray(Q, x, x0 + o), a0);
            a0 = w1.fma(FloatVector.fromArray(Q, x, x0 + o + 8), a0);
            a0 = w2.fma(FloatVector.fromArray(Q, x, x0 + o + 16), a0);
            a0 = w3.fma(FloatVector.fromArray(Q, x, x0 + o + 24), a0);
            a1 = w0.fma(FloatVector.fromArray(Q, x, x1 + o), a1);
            a1 = w1.fma(FloatVector.fromArray(Q, x, x1 + o + 8), a1);
            a1 = w2.fma(FloatVector.fromArray(Q, x, x1 + o + 16), a1);
            a1 = w3.fma(FloatVector.fromArray(Q, x, x1 + o + 24), a1);
            a2 = w0.fma(FloatVector.fromArray(Q, x, x2 + o), a2);
            a2 = w1.fma(FloatVector.fromArray(Q, x, x2 + o + 8), a2);
            a2 = w2.fma(FloatVector.fromArray(Q, x, x2 + o + 16), a2);
            a2 = w3.fma(FloatVector.fromArray(Q, x, x2 + o + 24), a2);
            a3 = w0.fma(FloatVector.fromArray(Q, x, x3 + o), a3);
            a3 = w1.fma(FloatVector.fromArray(Q, x, x3 + o + 8), a3);
            a3 = w2.fma(FloatVector.fromArray(Q, x, x3 + o + 16), a3);
            a3 = w3.fma(FloatVector.fromArray(Q, x, x3 + o + 24), a3);
        }
        result[0] = a0.reduceLanes(VectorOperators.ADD);
        result[1] = a1.reduceLanes(VectorOperators.ADD);
        result[2] = a2.reduceLanes(VectorOperators.ADD);
        result[3] = a3.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot8(long rowOffset, float[] x, int x0, int stride, float[] result) {
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(Q, Float.float16ToFloat(data.get(SHORT, block)));
            FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 2, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 10, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 18, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            FloatVector w3 = ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 26, LE)
                    .convertShape(VectorOperators.B2F, Q, 0)).mul(d);
            int o = x0 + b * BLOCK;
            a0 = w0.fma(FloatVector.fromArray(Q, x, o), a0);
            a0 = w1.fma(FloatVector.fromArray(Q, x, o + 8), a0);
            a0 = w2.fma(FloatVector.fromArray(Q, x, o + 16), a0);
            a0 = w3.fma(FloatVector.fromArray(Q, x, o + 24), a0);
            a1 = w0.fma(FloatVector.fromArray(Q, x, o + stride), a1);
            a1 = w1.fma(FloatVector.fromArray(Q, x, o + stride + 8), a1);
            a1 = w2.fma(FloatVector.fromArray(Q, x, o + stride + 16), a1);
            a1 = w3.fma(FloatVector.fromArray(Q, x, o + stride + 24), a1);
            a2 = w0.fma(FloatVector.fromArray(Q, x, o + 2 * stride), a2);
            a2 = w1.fma(FloatVector.fromArray(Q, x, o + 2 * stride + 8), a2);
            a2 = w2.fma(FloatVector.fromArray(Q, x, o + 2 * stride + 16), a2);
            a2 = w3.fma(FloatVector.fromArray(Q, x, o + 2 * stride + 24), a2);
            a3 = w0.fma(FloatVector.fromArray(Q, x, o + 3 * stride), a3);
            a3 = w1.fma(FloatVector.fromArray(Q, x, o + 3 * stride + 8), a3);
            a3 = w2.fma(FloatVector.fromArray(Q, x, o + 3 * stride + 16), a3);
            a3 = w3.fma(FloatVector.fromArray(Q, x, o + 3 * stride + 24), a3);
            a4 = w0.fma(FloatVector.fromArray(Q, x, o + 4 * stride), a4);
            a4 = w1.fma(FloatVector.fromArray(Q, x, o + 4 * stride + 8), a4);
            a4 = w2.fma(FloatVector.fromArray(Q, x, o + 4 * stride + 16), a4);
            a4 = w3.fma(FloatVector.fromArray(Q, x, o + 4 * stride + 24), a4);
            a5 = w0.fma(FloatVector.fromArray(Q, x, o + 5 * stride), a5);
            a5 = w1.fma(FloatVector.fromArray(Q, x, o + 5 * stride + 8), a5);
            a5 = w2.fma(FloatVector.fromArray(Q, x, o + 5 * stride + 16), a5);
            a5 = w3.fma(FloatVector.fromArray(Q, x, o + 5 * stride + 24), a5);
            a6 = w0.fma(FloatVector.fromArray(Q, x, o + 6 * stride), a6);
            a6 = w1.fma(FloatVector.fromArray(Q, x, o + 6 * stride + 8), a6);
            a6 = w2.fma(FloatVector.fromArray(Q, x, o + 6 * stride + 16), a6);
            a6 = w3.fma(FloatVector.fromArray(Q, x, o + 6 * stride + 24), a6);
            a7 = w0.fma(FloatVector.fromArray(Q, x, o + 7 * stride), a7);
            a7 = w1.fma(FloatVector.fromArray(Q, x, o + 7 * stride + 8), a7);
            a7 = w2.fma(FloatVector.fromArray(Q, x, o + 7 * stride + 16), a7);
            a7 = w3.fma(FloatVector.fromArray(Q, x, o + 7 * stride + 24), a7);
        }
        result[0] = a0.reduceLanes(VectorOperators.ADD);
        result[1] = a1.reduceLanes(VectorOperators.ADD);
        result[2] = a2.reduceLanes(VectorOperators.ADD);
        result[3] = a3.reduceLanes(VectorOperators.ADD);
        result[4] = a4.reduceLanes(VectorOperators.ADD);
        result[5] = a5.reduceLanes(VectorOperators.ADD);
        result[6] = a6.reduceLanes(VectorOperators.ADD);
        result[7] = a7.reduceLanes(VectorOperators.ADD);
    }
}
