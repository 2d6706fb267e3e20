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
 * <p>Weights are decoded eight at a time into 8-lane float vectors in registers (one FMA
 * {@code q·ds − 32·ds} each), the four groups of a half side by side, each group feeding its own accumulator.
 */
final class Q6KMatrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int SUPER = 256;
    private static final int BLOCK_BYTES = 210;

    Q6KMatrix(TensorData tensor) {
        super(tensor);
    }

    /**
     * Weights from the low 4 bits {@code low} (already in place) and the 2-bit field of {@code highAt0} at bit 0
     * (moved to bits 4–5), with {@code ds = d·scale}: q·ds − 32·ds.
     */
    private static FloatVector decode(ByteVector low, ByteVector highAt0, float ds) {
        ByteVector q = low.or(highAt0.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
        return ((FloatVector) q.convertShape(VectorOperators.B2F, Q, 0))
                .fma(FloatVector.broadcast(Q, ds), FloatVector.broadcast(Q, -32 * ds));
    }

    /** d × the int8 scale at {@code index}. */
    private float scale(long block, float d, int index) {
        return d * data.get(ValueLayout.JAVA_BYTE, block + 192 + index);
    }

    // The loops walk l (8 at a time) through each half and decode the four groups at that l together: one load
    // each of ql[l], ql[l + 32] and qh[l] serves 32 weights, and every byte shift has a constant count (x86 has no
    // byte shifts; the Vector API emulates one by a varying count far more slowly).

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int first = from / SUPER;
        for (int b = 0; b < count / SUPER; b++) {
            long block = rowOffset + (long) (first + b) * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block + 208));
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    ByteVector qh = ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE);
                    for (int p = 0; p < 2; p++) {
                        float sLow = scale(block, d, 8 * h + 2 * p + (k >> 1));
                        float sHigh = scale(block, d, 8 * h + 2 * p + 4 + (k >> 1));
                        ByteVector ql = ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 * p + 8 * k, LE);
                        ByteVector qhP = p == 0 ? qh : qh.lanewise(VectorOperators.LSHR, 2);
                        int o = dstOffset + b * SUPER + 128 * h + 32 * p + 8 * k;
                        decode(ql.and((byte) 0x0F), qhP, sLow).intoArray(dst, o);
                        decode(ql.lanewise(VectorOperators.LSHR, 4), qhP.lanewise(VectorOperators.LSHR, 4), sHigh)
                                .intoArray(dst, o + 64);
                    }
                }
            }
        }
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        // Two decodes per loop body (groups p and p + 2 share ql bytes): C2 stops inlining once a method's graph
        // is large (NodeCountInliningCutoff), and a decode left out of line boxes its vectors.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block + 208));
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    ByteVector qh = ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE);
                    for (int p = 0; p < 2; p++) {
                        float sLow = scale(block, d, 8 * h + 2 * p + (k >> 1));
                        float sHigh = scale(block, d, 8 * h + 2 * p + 4 + (k >> 1));
                        ByteVector ql = ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 * p + 8 * k, LE);
                        ByteVector qhP = p == 0 ? qh : qh.lanewise(VectorOperators.LSHR, 2);
                        int o = xOffset + b * SUPER + 128 * h + 32 * p + 8 * k;
                        a0 = decode(ql.and((byte) 0x0F), qhP, sLow)
                                .fma(FloatVector.fromArray(Q, x, o), a0);
                        a1 = decode(ql.lanewise(VectorOperators.LSHR, 4), qhP.lanewise(VectorOperators.LSHR, 4), sHigh)
                                .fma(FloatVector.fromArray(Q, x, o + 64), a1);
                    }
                }
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        // One accumulator per input (as Q4Matrix.dot4): even/odd pairs need eight accumulators beside the decoded
        // weights, more vectors than C2 keeps in AVX2's registers, and the spills ran four inputs slower than one.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block + 208));
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    int sc = 8 * h + (k >> 1);
                    float s0 = scale(block, d, sc), s1 = scale(block, d, sc + 2);
                    float s2 = scale(block, d, sc + 4), s3 = scale(block, d, sc + 6);
                    ByteVector qlA = ByteVector.fromMemorySegment(QB, data, block + 64 * h + 8 * k, LE);
                    ByteVector qlB = ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 + 8 * k, LE);
                    ByteVector qh = ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE);
                    FloatVector w0 = decode(qlA.and((byte) 0x0F), qh, s0);
                    FloatVector w1 = decode(qlB.and((byte) 0x0F), qh.lanewise(VectorOperators.LSHR, 2), s1);
                    FloatVector w2 = decode(qlA.lanewise(VectorOperators.LSHR, 4), qh.lanewise(VectorOperators.LSHR, 4),
                            s2);
                    FloatVector w3 = decode(qlB.lanewise(VectorOperators.LSHR, 4), qh.lanewise(VectorOperators.LSHR, 6),
                            s3);
                    int o = b * SUPER + 128 * h + 8 * k;
                    a0 = w0.fma(FloatVector.fromArray(Q, x, x0 + o), a0);
                    a0 = w1.fma(FloatVector.fromArray(Q, x, x0 + o + 32), a0);
                    a0 = w2.fma(FloatVector.fromArray(Q, x, x0 + o + 64), a0);
                    a0 = w3.fma(FloatVector.fromArray(Q, x, x0 + o + 96), a0);
                    a1 = w0.fma(FloatVector.fromArray(Q, x, x1 + o), a1);
                    a1 = w1.fma(FloatVector.fromArray(Q, x, x1 + o + 32), a1);
                    a1 = w2.fma(FloatVector.fromArray(Q, x, x1 + o + 64), a1);
                    a1 = w3.fma(FloatVector.fromArray(Q, x, x1 + o + 96), a1);
                    a2 = w0.fma(FloatVector.fromArray(Q, x, x2 + o), a2);
                    a2 = w1.fma(FloatVector.fromArray(Q, x, x2 + o + 32), a2);
                    a2 = w2.fma(FloatVector.fromArray(Q, x, x2 + o + 64), a2);
                    a2 = w3.fma(FloatVector.fromArray(Q, x, x2 + o + 96), a2);
                    a3 = w0.fma(FloatVector.fromArray(Q, x, x3 + o), a3);
                    a3 = w1.fma(FloatVector.fromArray(Q, x, x3 + o + 32), a3);
                    a3 = w2.fma(FloatVector.fromArray(Q, x, x3 + o + 64), a3);
                    a3 = w3.fma(FloatVector.fromArray(Q, x, x3 + o + 96), a3);
                }
            }
        }
        result[0] = a0.reduceLanes(VectorOperators.ADD);
        result[1] = a1.reduceLanes(VectorOperators.ADD);
        result[2] = a2.reduceLanes(VectorOperators.ADD);
        result[3] = a3.reduceLanes(VectorOperators.ADD);
    }
}
