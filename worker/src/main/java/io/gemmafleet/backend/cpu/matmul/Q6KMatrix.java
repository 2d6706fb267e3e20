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
 * Products with a Q6_K matrix (token_embd/output and the "more bits" attn_v/ffn_down of a Q4_K_M file).
 * Super-block of 256 weights, 210 bytes:
 * <pre>
 *   ql[128] (low 4 bits) | qh[64] (top 2 bits) | scales[16] (int8, one per 16 weights) | d f16
 * </pre>
 * Each half h (128 weights) is four groups g of 32: element l of group g takes nibble g/2 of
 * {@code ql[64h + 32(g%2) + l]}, bits 2g..2g+1 of {@code qh[32h + l]} and scale {@code 8h + 2g + l/16};
 * weight = d·scale × (q − 32).
 *
 * <p>A group is decoded into four 8-lane float vectors in registers (one FMA {@code q·ds − 32·ds} each, two
 * slices per scale), each slice feeding its own accumulator.
 */
final class Q6KMatrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int SUPER = 256;
    private static final int BLOCK_BYTES = 210;

    Q6KMatrix(TensorData tensor) {
        super(tensor);
    }

    /** Weights {@code 128h + 32g + 8k .. +8} of the super-block at {@code block}, with {@code ds = d·scale}. */
    private FloatVector weights(long block, int h, int g, int k, FloatVector ds, FloatVector offset) {
        ByteVector low = ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 * (g & 1) + 8 * k, LE)
                .lanewise(VectorOperators.LSHR, 4 * (g >> 1)).and((byte) 0x0F);
        ByteVector high = ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE)
                .lanewise(VectorOperators.LSHR, 2 * g).and((byte) 3).lanewise(VectorOperators.LSHL, 4);
        return ((FloatVector) low.or(high).convertShape(VectorOperators.B2F, Q, 0)).fma(ds, offset);
    }

    /** d × the int8 scale at {@code index}. */
    private float scale(long block, float d, int index) {
        return d * data.get(ValueLayout.JAVA_BYTE, block + 192 + index);
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block + 208));
            for (int group = 0; group < 8; group++) {
                int h = group >> 2;
                int g = group & 3;
                float s0 = scale(block, d, 8 * h + 2 * g);
                float s1 = scale(block, d, 8 * h + 2 * g + 1);
                FloatVector ds0 = FloatVector.broadcast(Q, s0);
                FloatVector off0 = FloatVector.broadcast(Q, -32 * s0);
                FloatVector ds1 = FloatVector.broadcast(Q, s1);
                FloatVector off1 = FloatVector.broadcast(Q, -32 * s1);
                int o = xOffset + b * SUPER + 32 * group;
                a0 = weights(block, h, g, 0, ds0, off0).fma(FloatVector.fromArray(Q, x, o), a0);
                a1 = weights(block, h, g, 1, ds0, off0).fma(FloatVector.fromArray(Q, x, o + 8), a1);
                a2 = weights(block, h, g, 2, ds1, off1).fma(FloatVector.fromArray(Q, x, o + 16), a2);
                a3 = weights(block, h, g, 3, ds1, off1).fma(FloatVector.fromArray(Q, x, o + 24), a3);
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        FloatVector e0 = FloatVector.zero(Q), e1 = e0, e2 = e0, e3 = e0;
        FloatVector o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block + 208));
            for (int group = 0; group < 8; group++) {
                int h = group >> 2;
                int g = group & 3;
                float s0 = scale(block, d, 8 * h + 2 * g);
                float s1 = scale(block, d, 8 * h + 2 * g + 1);
                FloatVector ds0 = FloatVector.broadcast(Q, s0);
                FloatVector off0 = FloatVector.broadcast(Q, -32 * s0);
                FloatVector ds1 = FloatVector.broadcast(Q, s1);
                FloatVector off1 = FloatVector.broadcast(Q, -32 * s1);
                FloatVector w0 = weights(block, h, g, 0, ds0, off0);
                FloatVector w1 = weights(block, h, g, 1, ds0, off0);
                FloatVector w2 = weights(block, h, g, 2, ds1, off1);
                FloatVector w3 = weights(block, h, g, 3, ds1, off1);
                int o = b * SUPER + 32 * group;
                e0 = w2.fma(FloatVector.fromArray(Q, x, x0 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x0 + o), e0));
                o0 = w3.fma(FloatVector.fromArray(Q, x, x0 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x0 + o + 8), o0));
                e1 = w2.fma(FloatVector.fromArray(Q, x, x1 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x1 + o), e1));
                o1 = w3.fma(FloatVector.fromArray(Q, x, x1 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x1 + o + 8), o1));
                e2 = w2.fma(FloatVector.fromArray(Q, x, x2 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x2 + o), e2));
                o2 = w3.fma(FloatVector.fromArray(Q, x, x2 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x2 + o + 8), o2));
                e3 = w2.fma(FloatVector.fromArray(Q, x, x3 + o + 16), w0.fma(FloatVector.fromArray(Q, x, x3 + o), e3));
                o3 = w3.fma(FloatVector.fromArray(Q, x, x3 + o + 24), w1.fma(FloatVector.fromArray(Q, x, x3 + o + 8), o3));
            }
        }
        result[0] = e0.add(o0).reduceLanes(VectorOperators.ADD);
        result[1] = e1.add(o1).reduceLanes(VectorOperators.ADD);
        result[2] = e2.add(o2).reduceLanes(VectorOperators.ADD);
        result[3] = e3.add(o3).reduceLanes(VectorOperators.ADD);
    }
}
