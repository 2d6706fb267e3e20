package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QB16;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QI;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QS;

import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Products with a Q4_0 matrix (the format of Google's QAT releases) or a Q4_1 matrix. Block of 32 weights:
 * <pre>
 *   Q4_0 (18 bytes): d f16 | qs[16]            weight = d × (nibble − 8)
 *   Q4_1 (20 bytes): d f16 | m f16 | qs[16]    weight = d × nibble + m
 * </pre>
 * The low nibbles of {@code qs} are elements 0–15, the high nibbles elements 16–31.
 *
 * <p>A block is decoded into four 8-lane float vectors in registers: each half of the 16 packed bytes is widened
 * to 32-bit lanes once (both nibbles of a byte then sit in one lane, where a mask and a shift separate them —
 * x86 has no byte shifts, and widening first measured 1.5–1.8× faster than splitting nibbles in byte lanes), then
 * converted to float and turned into weights by one FMA {@code q·d + offset} (offset −8d or m). Each of the four slices feeds its own
 * accumulator, so consecutive blocks do not wait on one FMA chain.
 *
 * <p>A single Q4_0 input is multiplied as llama.cpp does it ({@link #dotQ8}): the input quantized to int8 per block
 * of 32 ({@link Q8Rows}), integer products per block, one conversion to float per block scaled by both scales.
 * Batches of four and eight keep the float decoding, which shares each decoded block among the inputs: without a
 * {@code vpmaddubsw}-like operation in the Vector API the int8 path costs more per input than four FMAs
 * (measured 20% slower than the float eight-input tile).
 *
 * <p>The decoding is written out in each method rather than in helpers: C2 stops inlining small vector helpers
 * once a method grows large, and a helper it does not inline boxes every vector it returns (measured 2× slower
 * for one input, 10–20× for eight).
 */
final class Q4Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int BLOCK = 32;
    private static final int Q4_0_BYTES = 18;

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

    @Override
    protected boolean int8Activations() {
        return !withMin; // Q4_1's offset m would need per-block input sums; it keeps the float path
    }

    /**
     * A Q4_0 row times an int8 input, per block: the 16 packed bytes are widened to 16-bit lanes, where a mask and
     * a 16-bit shift split the nibbles (elements 0–15 and 16–31) and subtracting 8 makes them signed; then
     * {@code lo·x[0..16) + hi·x[16..32)} in 16-bit lanes (at most 2·8·127 per lane, no overflow), adjacent lanes
     * summed into 32-bit lanes by {@code (v + (v << 16)) >> 16} on the pairs seen as ints (the high half then holds
     * the pair's sum, at most 4 064 in magnitude), converted to float and accumulated with the weight scale times
     * the input scale, as llama.cpp's {@code ggml_vec_dot_q4_0_q8_0}.
     */
    @Override
    protected float dotQ8(long rowOffset, Q8Rows x, int xOffset) {
        short[] q = x.values();
        float[] scales = x.scales();
        int firstBlock = xOffset / BLOCK;
        FloatVector acc = FloatVector.zero(Q);
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * Q4_0_BYTES; // constants, not the fields: measured 15-25% faster
            float scale = Float.float16ToFloat(data.get(SHORT, block)) * scales[firstBlock + b];
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(QB16, data, block + 2, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, QS, 0);
            ShortVector lo = packed.and((short) 0x0F).sub((short) 8);
            ShortVector hi = packed.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            int o = xOffset + b * BLOCK;
            IntVector pairs = lo.mul(ShortVector.fromArray(QS, q, o))
                    .add(hi.mul(ShortVector.fromArray(QS, q, o + 16)))
                    .reinterpretAsInts();
            IntVector sums = pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Q, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
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
            IntVector p0 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            IntVector p1 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt + 8, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            int o = dstOffset + b * BLOCK;
            ((FloatVector) p0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset).intoArray(dst, o);
            ((FloatVector) p1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset).intoArray(dst, o + 8);
            ((FloatVector) p0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d, offset)
                    .intoArray(dst, o + 16);
            ((FloatVector) p1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d, offset)
                    .intoArray(dst, o + 24);
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
            IntVector p0 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            IntVector p1 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt + 8, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            FloatVector w0 = ((FloatVector) p0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset);
            FloatVector w1 = ((FloatVector) p1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset);
            FloatVector w2 = ((FloatVector) p0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(d, offset);
            FloatVector w3 = ((FloatVector) p1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(d, offset);
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
        // One accumulator per input, as in dot8. The even/odd accumulator pairs the kernels first used ran a 4-token
        // decode step at a quarter of the speed of four 1-token steps here (1B Q4_0, AVX2; likely register spills:
        // eight accumulators, four weight vectors, scale and offset against 16 registers); this form runs it at
        // 2.2x one token's throughput.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float scale = Float.float16ToFloat(data.get(SHORT, block));
            FloatVector d = FloatVector.broadcast(Q, scale);
            FloatVector offset = FloatVector.broadcast(Q, offset(block, scale));
            IntVector p0 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            IntVector p1 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt + 8, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            FloatVector w0 = ((FloatVector) p0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset);
            FloatVector w1 = ((FloatVector) p1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset);
            FloatVector w2 = ((FloatVector) p0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(d, offset);
            FloatVector w3 = ((FloatVector) p1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(d, offset);
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
        // One accumulator per input: eight independent chains, four weight vectors, within 16 registers.
        FloatVector a0 = FloatVector.zero(Q), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int blocks = columns / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long block = rowOffset + (long) b * blockBytes;
            float scale = Float.float16ToFloat(data.get(SHORT, block));
            FloatVector d = FloatVector.broadcast(Q, scale);
            FloatVector offset = FloatVector.broadcast(Q, offset(block, scale));
            IntVector p0 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            IntVector p1 = (IntVector) ByteVector.fromMemorySegment(QB, data, block + qsAt + 8, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, QI, 0);
            FloatVector w0 = ((FloatVector) p0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset);
            FloatVector w1 = ((FloatVector) p1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(d, offset);
            FloatVector w2 = ((FloatVector) p0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(d, offset);
            FloatVector w3 = ((FloatVector) p1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                    .fma(d, offset);
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
