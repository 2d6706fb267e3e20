package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB;

import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Products with a Q4_0 matrix (the format of Google's QAT releases) or a Q4_1 matrix. Block of 32 weights:
 * <pre>
 *   Q4_0 (18 bytes): d f16 | qs[16]            weight = d × (nibble − 8)
 *   Q4_1 (20 bytes): d f16 | m f16 | qs[16]    weight = d × nibble + m
 * </pre>
 * The low nibbles of {@code qs} are elements 0–15, the high nibbles elements 16–31.
 *
 * <p>A block is decoded into four 8-lane float vectors in registers: nibble → float, then one FMA
 * {@code q·d + offset} gives the weight (offset −8d or m). Each of the four slices feeds its own accumulator, so consecutive blocks
 * do not wait on one FMA chain.
 */
final class Q4Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;

    private final boolean withMin;
    private final int blockBytes;
    private final int qsAt;

    Q4Matrix(TensorData tensor) {
        super(tensor);
        this.withMin = tensor.type() == GgmlType.Q4_1;
        this.blockBytes = tensor.type().bytesPerBlock();
        this.qsAt = withMin ? 4 : 2;
    }

    /** The additive term of every weight in the block whose scale is {@code scale}. */
    private float offset(long block, float scale) {
        return withMin ? Float.float16ToFloat(data.get(SHORT, block + 2)) : -8f * scale;
    }

    /** Low nibbles of 8 packed bytes (elements j..j+7 of the block) as weights. */
    private static FloatVector low(ByteVector packed, FloatVector d, FloatVector offset) {
        return ((FloatVector) packed.and((byte) 0x0F).convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
    }

    /** High nibbles of 8 packed bytes (elements 16+j..16+j+7 of the block) as weights. */
    private static FloatVector high(ByteVector packed, FloatVector d, FloatVector offset) {
        return ((FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, Q, 0))
                .fma(d, offset);
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float scale = Float.float16ToFloat(data.get(SHORT, block));
            FloatVector d = FloatVector.broadcast(Q, scale);
            FloatVector offset = FloatVector.broadcast(Q, offset(block, scale));
            ByteVector p0 = ByteVector.fromMemorySegment(QB, data, block + qsAt, LE);
            ByteVector p1 = ByteVector.fromMemorySegment(QB, data, block + qsAt + 8, LE);
            int o = xOffset + b * BLOCK;
            a0 = low(p0, d, offset).fma(FloatVector.fromArray(Q, x, o), a0);
            a1 = low(p1, d, offset).fma(FloatVector.fromArray(Q, x, o + 8), a1);
            a2 = high(p0, d, offset).fma(FloatVector.fromArray(Q, x, o + 16), a2);
            a3 = high(p1, d, offset).fma(FloatVector.fromArray(Q, x, o + 24), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        // Two accumulators per input (even and odd slices) keep eight independent FMA chains in flight.
        FloatVector e0 = FloatVector.zero(Q), e1 = e0, e2 = e0, e3 = e0;
        FloatVector o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float scale = Float.float16ToFloat(data.get(SHORT, block));
            FloatVector d = FloatVector.broadcast(Q, scale);
            FloatVector offset = FloatVector.broadcast(Q, offset(block, scale));
            ByteVector p0 = ByteVector.fromMemorySegment(QB, data, block + qsAt, LE);
            ByteVector p1 = ByteVector.fromMemorySegment(QB, data, block + qsAt + 8, LE);
            FloatVector w0 = low(p0, d, offset);
            FloatVector w1 = low(p1, d, offset);
            FloatVector w2 = high(p0, d, offset);
            FloatVector w3 = high(p1, d, offset);
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
