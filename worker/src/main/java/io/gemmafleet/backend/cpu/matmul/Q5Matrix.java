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
 * Products with a Q5_0 or Q5_1 matrix (llama.cpp's fallback for Q4_K / Q5_K tensors whose rows are not a multiple
 * of 256, e.g. every hidden-1152 projection of a 1B Q4_K_M file). Block of 32 weights:
 * <pre>
 *   Q5_0 (22 bytes): d f16 | qh u32 | qs[16]            weight = d × (q − 16)
 *   Q5_1 (24 bytes): d f16 | m f16 | qh u32 | qs[16]    weight = d × q + m
 * </pre>
 * Element i's low 4 bits are the low (i &lt; 16) or high nibble of {@code qs[i % 16]}; its fifth bit is bit i of
 * {@code qh}.
 *
 * <p>Decoding stays in 8-byte vectors: the nibbles as in Q4_0, the fifth bits of 8 weights (one byte of qh) as a
 * lookup in a 256-entry table of 8-byte patterns of 0 / 16, OR-ed in; then one convert and one FMA per 8 weights,
 * each slice of the block feeding its own accumulator.
 */
final class Q5Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;
    /** For each byte value v, 8 bytes: 16 where bit l of v is set, else 0 (2 KiB, stays in L1). */
    private static final byte[] SIXTEENS = new byte[256 * 8];

    static {
        for (int v = 0; v < 256; v++) {
            for (int l = 0; l < 8; l++) {
                SIXTEENS[8 * v + l] = (byte) (((v >>> l) & 1) << 4);
            }
        }
    }

    private final boolean withMin;
    private final int blockBytes;
    private final int qhAt;

    Q5Matrix(TensorData tensor) {
        super(tensor);
        this.withMin = tensor.type() == GgmlType.Q5_1;
        this.blockBytes = tensor.type().bytesPerBlock();
        this.qhAt = withMin ? 4 : 2;
    }

    private float offset(long block, float scale) {
        return withMin ? Float.float16ToFloat(data.get(SHORT, block + 2)) : -16f * scale;
    }

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int first = from / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long block = rowOffset + (long) (first + b) * blockBytes;
            float scale = Float.float16ToFloat(data.get(SHORT, block));
            FloatVector d = FloatVector.broadcast(Q, scale);
            FloatVector offset = FloatVector.broadcast(Q, offset(block, scale));
            int qh = data.get(INT, block + qhAt);
            ByteVector p0 = ByteVector.fromMemorySegment(QB, data, block + qhAt + 4, LE);
            ByteVector p1 = ByteVector.fromMemorySegment(QB, data, block + qhAt + 12, LE);
            int o = dstOffset + b * BLOCK;
            ((FloatVector) p0.and((byte) 0x0F).or(ByteVector.fromArray(QB, SIXTEENS, 8 * (qh & 0xFF)))
                    .convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset).intoArray(dst, o);
            ((FloatVector) p1.and((byte) 0x0F).or(ByteVector.fromArray(QB, SIXTEENS, 8 * ((qh >>> 8) & 0xFF)))
                    .convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset).intoArray(dst, o + 8);
            ((FloatVector) p0.lanewise(VectorOperators.LSHR, 4)
                    .or(ByteVector.fromArray(QB, SIXTEENS, 8 * ((qh >>> 16) & 0xFF)))
                    .convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset).intoArray(dst, o + 16);
            ((FloatVector) p1.lanewise(VectorOperators.LSHR, 4)
                    .or(ByteVector.fromArray(QB, SIXTEENS, 8 * (qh >>> 24)))
                    .convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset).intoArray(dst, o + 24);
        }
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
            int qh = data.get(INT, block + qhAt);
            ByteVector p0 = ByteVector.fromMemorySegment(QB, data, block + qhAt + 4, LE);
            ByteVector p1 = ByteVector.fromMemorySegment(QB, data, block + qhAt + 12, LE);
            // Decoding written out, not in a helper: see Q4Matrix on C2 boxing un-inlined vector helpers.
            ByteVector l0 = p0.and((byte) 0x0F).or(ByteVector.fromArray(QB, SIXTEENS, 8 * (qh & 0xFF)));
            ByteVector l1 = p1.and((byte) 0x0F).or(ByteVector.fromArray(QB, SIXTEENS, 8 * ((qh >>> 8) & 0xFF)));
            ByteVector h0 = p0.lanewise(VectorOperators.LSHR, 4)
                    .or(ByteVector.fromArray(QB, SIXTEENS, 8 * ((qh >>> 16) & 0xFF)));
            ByteVector h1 = p1.lanewise(VectorOperators.LSHR, 4)
                    .or(ByteVector.fromArray(QB, SIXTEENS, 8 * (qh >>> 24)));
            FloatVector w0 = ((FloatVector) l0.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
            FloatVector w1 = ((FloatVector) l1.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
            FloatVector w2 = ((FloatVector) h0.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
            FloatVector w3 = ((FloatVector) h1.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
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
            long block = rowOffset + (long) b * blockBytes;
            float scale = Float.float16ToFloat(data.get(SHORT, block));
            FloatVector d = FloatVector.broadcast(Q, scale);
            FloatVector offset = FloatVector.broadcast(Q, offset(block, scale));
            int qh = data.get(INT, block + qhAt);
            ByteVector p0 = ByteVector.fromMemorySegment(QB, data, block + qhAt + 4, LE);
            ByteVector p1 = ByteVector.fromMemorySegment(QB, data, block + qhAt + 12, LE);
            // Decoding written out, not in a helper: see Q4Matrix on C2 boxing un-inlined vector helpers.
            ByteVector l0 = p0.and((byte) 0x0F).or(ByteVector.fromArray(QB, SIXTEENS, 8 * (qh & 0xFF)));
            ByteVector l1 = p1.and((byte) 0x0F).or(ByteVector.fromArray(QB, SIXTEENS, 8 * ((qh >>> 8) & 0xFF)));
            ByteVector h0 = p0.lanewise(VectorOperators.LSHR, 4)
                    .or(ByteVector.fromArray(QB, SIXTEENS, 8 * ((qh >>> 16) & 0xFF)));
            ByteVector h1 = p1.lanewise(VectorOperators.LSHR, 4)
                    .or(ByteVector.fromArray(QB, SIXTEENS, 8 * (qh >>> 24)));
            FloatVector w0 = ((FloatVector) l0.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
            FloatVector w1 = ((FloatVector) l1.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
            FloatVector w2 = ((FloatVector) h0.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
            FloatVector w3 = ((FloatVector) h1.convertShape(VectorOperators.B2F, Q, 0)).fma(d, offset);
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
}
