package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB16;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QS;

import io.gemmafleet.model.quant.KScales;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Products with a Q4_K or Q5_K matrix (the bulk of a Q4_K_M / Q5_K_M file). Super-block of 256 weights, eight
 * sub-blocks of 32:
 * <pre>
 *   Q4_K (144 bytes): d f16 | dmin f16 | scales[12] | qs[128]
 *   Q5_K (176 bytes): d f16 | dmin f16 | scales[12] | qh[32] | qs[128]
 * </pre>
 * {@code scales} packs a 6-bit scale and min per sub-block ({@link KScales}). Sub-block j reads the low (j even) or
 * high (j odd) nibbles of {@code qs[32·(j/2) .. +32]}; Q5_K adds bit j of {@code qh[l]} as the fifth bit of its
 * element l. Weight = d·scale_j × q − dmin·min_j.
 *
 * <p>A sub-block is decoded like a Q4_0 block: four 8-lane float vectors in registers, each one FMA
 * {@code q·(d·scale) + (−dmin·min)} from its integer levels. A single Q4_K input is multiplied on int8 activations
 * instead ({@link #dotQ8}), as Q4_0's.
 */
final class Q45KMatrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int SUPER = 256;

    private final boolean five;
    private final int blockBytes;
    private final int qsAt;

    Q45KMatrix(TensorData tensor) {
        super(tensor);
        this.five = tensor.type() == GgmlType.Q5_K;
        this.blockBytes = tensor.type().bytesPerBlock();
        this.qsAt = five ? 48 : 16;
    }

    /** Weights {@code 32j + 8k .. +8} of the super-block at {@code block}. */
    private FloatVector weights(long block, int j, int k, FloatVector scale, FloatVector negMin) {
        ByteVector packed = ByteVector.fromMemorySegment(QB, data, block + qsAt + 32 * (j >> 1) + 8 * k, LE);
        // constant shift counts only: the Vector API emulates byte shifts, by a varying count far more slowly
        ByteVector q = (j & 1) == 0 ? packed.and((byte) 0x0F) : packed.lanewise(VectorOperators.LSHR, 4);
        if (five) {
            // bit j of qh[l] set → add 16 (a mask, not a shift by j: byte shifts by a varying count are slow)
            q = q.lanewise(VectorOperators.OR, (byte) 16, ByteVector.fromMemorySegment(QB, data, block + 16 + 8 * k, LE)
                    .and((byte) (1 << j)).compare(VectorOperators.NE, 0));
        }
        return ((FloatVector) q.convertShape(VectorOperators.B2F, Q, 0)).fma(scale, negMin);
    }

    private float half(long at) {
        return Float.float16ToFloat(data.get(SHORT, at));
    }

    // Two decode call sites per loop body, not four: C2 stops inlining a method once the caller's graph is large
    // (NodeCountInliningCutoff), and a decode left out of line boxes its vectors — 4x slower. The loop over the
    // two pairs of slices is unrolled after inlining.

    @Override
    protected boolean int8Activations() {
        return !five; // Q5_K's fifth bits would need their own widening; it keeps the float path
    }

    /**
     * A Q4_K row times an int8 input, as llama.cpp's {@code ggml_vec_dot_q4_K_q8_K} but with the input's per-32
     * scales of {@link Q8Rows}: for sub-block j, {@code Σ w·x = d_x·(d·scale_j·Σ q·x_q − dmin·min_j·Σ x_q)}. The
     * integer products run in 16-bit lanes as in {@link Q4Matrix#dotQ8} (nibbles 0–15 times int8: at most 3 810 a
     * lane pair), the minimum's term uses the block sums {@link Q8Rows#sums}. Sub-blocks 2p and 2p + 1 share the 32
     * bytes {@code qs[32p ..]} (low and high nibbles), so one pair of loads serves 64 weights.
     */
    @Override
    protected float dotQ8(long rowOffset, Q8Rows x, int xOffset) {
        short[] q = x.values();
        float[] xScales = x.scales();
        int[] xSums = x.sums();
        int firstBlock = xOffset / Q8Rows.BLOCK;
        int[] scales = new int[8];
        int[] mins = new int[8];
        FloatVector acc = FloatVector.zero(Q);
        float minTerm = 0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            KScales.unpack(data, block + 4, scales, mins);
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                int xb = firstBlock + 8 * b + j;
                int o = xOffset + b * SUPER + 32 * j;
                long qs = block + qsAt + 32 * pair;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(QB16, data, qs, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, QS, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(QB16, data, qs + 16, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, QS, 0);
                IntVector low = p0.and((short) 0x0F).mul(ShortVector.fromArray(QS, q, o))
                        .add(p1.and((short) 0x0F).mul(ShortVector.fromArray(QS, q, o + 16)))
                        .reinterpretAsInts();
                IntVector high = p0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(QS, q, o + 32))
                        .add(p1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(QS, q, o + 48)))
                        .reinterpretAsInts();
                IntVector lowSums = low.add(low.lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.ASHR, 16);
                IntVector highSums = high.add(high.lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.ASHR, 16);
                float lowScale = d * scales[j] * xScales[xb];
                float highScale = d * scales[j + 1] * xScales[xb + 1];
                acc = ((FloatVector) lowSums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Q, lowScale), acc);
                acc = ((FloatVector) highSums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Q, highScale), acc);
                minTerm += dmin * (mins[j] * xScales[xb] * xSums[xb] + mins[j + 1] * xScales[xb + 1] * xSums[xb + 1]);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) - minTerm;
    }

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int[] scales = new int[8];
        int[] mins = new int[8];
        int first = from / SUPER;
        for (int b = 0; b < count / SUPER; b++) {
            long block = rowOffset + (long) (first + b) * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            KScales.unpack(data, block + 4, scales, mins);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(Q, d * scales[j]);
                FloatVector negMin = FloatVector.broadcast(Q, -dmin * mins[j]);
                int o = dstOffset + b * SUPER + 32 * j;
                for (int k = 0; k < 4; k++) {
                    weights(block, j, k, scale, negMin).intoArray(dst, o + 8 * k);
                }
            }
        }
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        int[] scales = new int[8];
        int[] mins = new int[8];
        FloatVector a0 = FloatVector.zero(Q), a1 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            KScales.unpack(data, block + 4, scales, mins);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(Q, d * scales[j]);
                FloatVector negMin = FloatVector.broadcast(Q, -dmin * mins[j]);
                for (int k = 0; k < 4; k += 2) {
                    int o = xOffset + b * SUPER + 32 * j + 8 * k;
                    a0 = weights(block, j, k, scale, negMin).fma(FloatVector.fromArray(Q, x, o), a0);
                    a1 = weights(block, j, k + 1, scale, negMin).fma(FloatVector.fromArray(Q, x, o + 8), a1);
                }
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        int[] scales = new int[8];
        int[] mins = new int[8];
        // One accumulator per input (as Q4Matrix.dot4): even/odd pairs need eight accumulators beside the decoded
        // weights, more vectors than C2 keeps in AVX2's registers, and the spills ran four inputs slower than one.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            KScales.unpack(data, block + 4, scales, mins);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(Q, d * scales[j]);
                FloatVector negMin = FloatVector.broadcast(Q, -dmin * mins[j]);
                for (int k = 0; k < 4; k += 2) {
                    FloatVector w0 = weights(block, j, k, scale, negMin);
                    FloatVector w1 = weights(block, j, k + 1, scale, negMin);
                    int o = b * SUPER + 32 * j + 8 * k;
                    a0 = w0.fma(FloatVector.fromArray(Q, x, x0 + o), a0);
                    a0 = w1.fma(FloatVector.fromArray(Q, x, x0 + o + 8), a0);
                    a1 = w0.fma(FloatVector.fromArray(Q, x, x1 + o), a1);
                    a1 = w1.fma(FloatVector.fromArray(Q, x, x1 + o + 8), a1);
                    a2 = w0.fma(FloatVector.fromArray(Q, x, x2 + o), a2);
                    a2 = w1.fma(FloatVector.fromArray(Q, x, x2 + o + 8), a2);
                    a3 = w0.fma(FloatVector.fromArray(Q, x, x3 + o), a3);
                    a3 = w1.fma(FloatVector.fromArray(Q, x, x3 + o + 8), a3);
                }
            }
        }
        result[0] = a0.reduceLanes(VectorOperators.ADD);
        result[1] = a1.reduceLanes(VectorOperators.ADD);
        result[2] = a2.reduceLanes(VectorOperators.ADD);
        result[3] = a3.reduceLanes(VectorOperators.ADD);
    }
}
