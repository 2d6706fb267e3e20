package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QI;

import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * <p>The kernels walk l eight at a time through each half and decode the four groups at that l together: one load
 * each of {@code ql[l]}, {@code ql[l + 32]} and {@code qh[l]}, widened to 32-bit lanes, serves 32 weights. The bit
 * fields are cut in 32-bit lanes because x86 has no byte shifts (the Vector API emulates a byte shift with several
 * instructions; the byte-lane kernels this replaced decoded 2.4× slower), and q − 32 is taken in integers so that a
 * weight costs one conversion and one multiply by its scale. The sixteen scales of a super-block are converted once
 * into a small table ({@link #scaleTable}) that the kernels broadcast from.
 */
final class Q6KMatrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int SUPER = 256;
    private static final int BLOCK_BYTES = 210;

    Q6KMatrix(TensorData tensor) {
        super(tensor);
    }

    /** {@code ds[i] = d · scales[i]} for the super-block at {@code block}: two 8-byte loads, converted in vectors. */
    private void scaleTable(long block, float[] ds) {
        float d = Float.float16ToFloat(data.get(SHORT, block + 208));
        ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 192, LE)
                .convertShape(VectorOperators.B2F, Q, 0)).mul(d).intoArray(ds, 0);
        ((FloatVector) ByteVector.fromMemorySegment(QB, data, block + 200, LE)
                .convertShape(VectorOperators.B2F, Q, 0)).mul(d).intoArray(ds, 8);
    }

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int first = from / SUPER;
        float[] ds = new float[16];
        for (int b = 0; b < count / SUPER; b++) {
            long block = rowOffset + (long) (first + b) * BLOCK_BYTES;
            scaleTable(block, ds);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    int sc = 8 * h + (k >> 1);
                    IntVector qlA = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 64 * h + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector qlB = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector q0 = qlA.and(0x0F).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32);
                    IntVector q1 = qlB.and(0x0F).or(qh.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32);
                    IntVector q2 = qlA.lanewise(VectorOperators.LSHR, 4).or(qh.and(0x30)).sub(32);
                    IntVector q3 = qlB.lanewise(VectorOperators.LSHR, 4)
                            .or(qh.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
                    int o = dstOffset + b * SUPER + 128 * h + 8 * k;
                    ((FloatVector) q0.convert(VectorOperators.I2F, 0)).mul(ds[sc]).intoArray(dst, o);
                    ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(ds[sc + 2]).intoArray(dst, o + 32);
                    ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(ds[sc + 4]).intoArray(dst, o + 64);
                    ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(ds[sc + 6]).intoArray(dst, o + 96);
                }
            }
        }
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        // The decoding is written out in each kernel, not shared through a helper that returns vectors: C2 boxes
        // the vectors of a helper it does not inline (see Q4Matrix). One accumulator per group: four FMA chains.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        float[] ds = new float[16];
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            scaleTable(block, ds);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    int sc = 8 * h + (k >> 1);
                    IntVector qlA = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 64 * h + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector qlB = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector q0 = qlA.and(0x0F).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32);
                    IntVector q1 = qlB.and(0x0F).or(qh.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32);
                    IntVector q2 = qlA.lanewise(VectorOperators.LSHR, 4).or(qh.and(0x30)).sub(32);
                    IntVector q3 = qlB.lanewise(VectorOperators.LSHR, 4)
                            .or(qh.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
                    int o = xOffset + b * SUPER + 128 * h + 8 * k;
                    a0 = ((FloatVector) q0.convert(VectorOperators.I2F, 0)).mul(ds[sc])
                            .fma(FloatVector.fromArray(Q, x, o), a0);
                    a1 = ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(ds[sc + 2])
                            .fma(FloatVector.fromArray(Q, x, o + 32), a1);
                    a2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(ds[sc + 4])
                            .fma(FloatVector.fromArray(Q, x, o + 64), a2);
                    a3 = ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(ds[sc + 6])
                            .fma(FloatVector.fromArray(Q, x, o + 96), a3);
                }
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        // One accumulator per input (as Q4Matrix.dot4): even/odd pairs need eight accumulators beside the decoded
        // weights, more vectors than C2 keeps in AVX2's registers, and the spills ran four inputs slower than one.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        float[] ds = new float[16];
        int blocks = columns / SUPER;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * BLOCK_BYTES;
            scaleTable(block, ds);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    int sc = 8 * h + (k >> 1);
                    IntVector qlA = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 64 * h + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector qlB = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 64 * h + 32 + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(QB, data, block + 128 + 32 * h + 8 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
                    FloatVector w0 = ((FloatVector) qlA.and(0x0F).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30))
                            .sub(32).convert(VectorOperators.I2F, 0)).mul(ds[sc]);
                    FloatVector w1 = ((FloatVector) qlB.and(0x0F).or(qh.lanewise(VectorOperators.LSHL, 2).and(0x30))
                            .sub(32).convert(VectorOperators.I2F, 0)).mul(ds[sc + 2]);
                    FloatVector w2 = ((FloatVector) qlA.lanewise(VectorOperators.LSHR, 4).or(qh.and(0x30))
                            .sub(32).convert(VectorOperators.I2F, 0)).mul(ds[sc + 4]);
                    FloatVector w3 = ((FloatVector) qlB.lanewise(VectorOperators.LSHR, 4)
                            .or(qh.lanewise(VectorOperators.LSHR, 2).and(0x30))
                            .sub(32).convert(VectorOperators.I2F, 0)).mul(ds[sc + 6]);
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
