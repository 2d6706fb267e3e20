package io.gemmafleet.backend.cpu.matmul;

import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix {@code [rows, columns]} in its stored encoding, multiplied directly on the packed data.
 *
 * <p>{@link #multiply} computes, for a range of rows and a batch of input vectors, every dot product of a row with
 * every input. Rows are visited once for the whole batch, four inputs at a time, so a step of many tokens reads
 * each weight from memory once; quantized blocks are decoded in registers, never into a float copy of the
 * matrix. Each encoding implements the two dot products; the batching and tiling live here. Products of many
 * inputs go to {@link TiledProduct} where the encoding can {@link #decode} a row range in vectors.
 */
public abstract class PackedMatrix {

    protected final MemorySegment data;
    protected final int rows;
    protected final int columns;
    protected final long rowBytes;

    protected PackedMatrix(TensorData tensor) {
        this.data = tensor.data();
        this.rows = Math.toIntExact(tensor.rows());
        this.columns = Math.toIntExact(tensor.columns());
        this.rowBytes = tensor.type().byteSize(columns);
    }

    /** The kernel for a tensor's encoding. */
    public static PackedMatrix of(TensorData tensor) {
        if (!Dequantizer.supports(tensor.type())) {
            throw new IllegalArgumentException("no CPU kernel for " + tensor.type() + " (tensor " + tensor.name() + ")");
        }
        if (!Lanes.SIMD_OK) {
            return new ReferenceMatrix(tensor);
        }
        return switch (tensor.type()) {
            case F32 -> new F32Matrix(tensor);
            case BF16 -> new Bf16Matrix(tensor);
            case Q8_0 -> new Q8Matrix(tensor);
            case Q4_0, Q4_1 -> new Q4Matrix(tensor);
            case Q5_0, Q5_1 -> new Q5Matrix(tensor);
            case Q4_K, Q5_K -> new Q45KMatrix(tensor);
            case Q6_K -> new Q6KMatrix(tensor);
            default -> new ReferenceMatrix(tensor); // F16: no vector widening for half floats
        };
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    /**
     * For rows {@code [rowStart, rowEnd)} and inputs {@code 0 .. tokens-1}:
     * {@code out[t * rows + r] = row(r) · in[t * columns .. (t + 1) * columns)}. Callers that split one product
     * over threads should {@link #prepare} the input once and call {@link #multiply(MatmulInput, float[], int, int)}.
     */
    public final void multiply(float[] in, int tokens, float[] out, int rowStart, int rowEnd) {
        multiply(prepare(in, tokens), out, rowStart, rowEnd);
    }

    /**
     * The input of a product with this matrix: {@code tokens} rows of {@link #columns} floats, quantized to int8
     * here once if this encoding's single-input dot product multiplies int8 activations and a single-input pass
     * will run (a batch that is not a multiple of four).
     */
    public final MatmulInput prepare(float[] in, int tokens) {
        if (tokens >= TiledProduct.MIN_TOKENS && decodesInVectors()) {
            return new MatmulInput(in, tokens, null, TiledProduct.pack(in, tokens, columns));
        }
        boolean singles = tokens % 4 != 0;
        return new MatmulInput(in, tokens,
                singles && int8Activations() ? Q8Rows.quantize(in, tokens, columns) : null, null);
    }

    /** As {@link #multiply(float[], int, float[], int, int)}, for an input made by this matrix's {@link #prepare}. */
    public final void multiply(MatmulInput input, float[] out, int rowStart, int rowEnd) {
        if (input.tiled != null) {
            TiledProduct.multiply(this, input.tiled, out, rowStart, rowEnd);
            return;
        }
        float[] in = input.values;
        int tokens = input.tokens;
        float[] four = new float[4];
        float[] eight = new float[8];
        for (int r = rowStart; r < rowEnd; r++) {
            long rowOffset = r * rowBytes;
            int t = 0;
            for (; t + 8 <= tokens; t += 8) {
                dot8(rowOffset, in, t * columns, columns, eight);
                for (int i = 0; i < 8; i++) {
                    out[(t + i) * rows + r] = eight[i];
                }
            }
            for (; t + 4 <= tokens; t += 4) {
                int base = t * columns;
                dot4(rowOffset, in, base, base + columns, base + 2 * columns, base + 3 * columns, four);
                out[t * rows + r] = four[0];
                out[(t + 1) * rows + r] = four[1];
                out[(t + 2) * rows + r] = four[2];
                out[(t + 3) * rows + r] = four[3];
            }
            for (; t < tokens; t++) {
                out[t * rows + r] = input.q8 != null
                        ? dotQ8(rowOffset, input.q8, t * columns)
                        : dot(rowOffset, in, t * columns);
            }
        }
    }

    /**
     * Whether this encoding has a vectorized {@link #decode}, which makes {@link TiledProduct} the faster way to
     * multiply {@link TiledProduct#MIN_TOKENS} or more inputs. Encodings without one keep the dot products.
     */
    protected boolean decodesInVectors() {
        return false;
    }

    /**
     * Decodes elements {@code [from, from + count)} of the row at byte offset {@code rowOffset} into
     * {@code dst[dstOffset ..]}; {@code from} is a multiple of {@link TiledProduct#KC} and {@code count} a whole
     * number of blocks. Only called where {@link #decodesInVectors} is true.
     */
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no vectorized decoding");
    }

    /** Whether {@link #dotQ8} replaces {@link #dot} for single inputs (int8 activations, as llama.cpp does). */
    protected boolean int8Activations() {
        return false;
    }

    /**
     * The dot product of the row at byte offset {@code rowOffset} with the quantized input that starts at element
     * {@code xOffset} of {@code x}; only called where {@link #int8Activations} is true.
     */
    protected float dotQ8(long rowOffset, Q8Rows x, int xOffset) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " multiplies float activations");
    }

    /** The dot product of the row at byte offset {@code rowOffset} with {@code x[xOffset .. xOffset + columns)}. */
    protected abstract float dot(long rowOffset, float[] x, int xOffset);

    /** Four dot products of one row with four inputs, decoding the row once; results in {@code result[0..3]}. */
    protected abstract void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result);

    /**
     * Eight dot products of one row with the eight inputs that start at {@code x0} and follow each other every
     * {@code stride} floats; results in {@code result[0..7]}. Encodings whose decoding costs more than the FMAs
     * override this to decode once for eight inputs; the default runs two four-input passes.
     */
    protected void dot8(long rowOffset, float[] x, int x0, int stride, float[] result) {
        float[] half = new float[4];
        dot4(rowOffset, x, x0, x0 + stride, x0 + 2 * stride, x0 + 3 * stride, half);
        System.arraycopy(half, 0, result, 0, 4);
        int x4 = x0 + 4 * stride;
        dot4(rowOffset, x, x4, x4 + stride, x4 + 2 * stride, x4 + 3 * stride, half);
        System.arraycopy(half, 0, result, 4, 4);
    }
}
