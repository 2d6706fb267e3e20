package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB;

import io.gemmafleet.model.quant.KScales;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
 * {@code q·(d·scale) + (−dmin·min)} from its integer levels, each slice feeding its own accumulator.
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
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int first = from / SUPER;
        for (int b = 0; b < count / SUPER; b++) {
            long block = rowOffset + (long) (first + b) * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(Q, d * KScales.scale(data, block + 4, j));
                FloatVector negMin = FloatVector.broadcast(Q, -dmin * KScales.min(data, block + 4, j));
                int o = dstOffset + b * SUPER + 32 * j;
                for (int k = 0; k < 4; k++) {
                    weights(block, j, k, scale, negMin).intoArray(dst, o + 8 * k);
                }
            }
        }
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector a0 = FloatVector.zero(Q), a1 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(Q, d * KScales.scale(data, block + 4, j));
                FloatVector negMin = FloatVector.broadcast(Q, -dmin * KScales.min(data, block + 4, j));
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
        // One accumulator per input (as Q4Matrix.dot4): even/odd pairs need eight accumulators beside the decoded
        // weights, more vectors than C2 keeps in AVX2's registers, and the spills ran four inputs slower than one.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float d = half(block);
            float dmin = half(block + 2);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(Q, d * KScales.scale(data, block + 4, j));
                FloatVector negMin = FloatVector.broadcast(Q, -dmin * KScales.min(data, block + 4, j));
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
