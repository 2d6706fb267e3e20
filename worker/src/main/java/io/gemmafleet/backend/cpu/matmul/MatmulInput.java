package io.gemmafleet.backend.cpu.matmul;

/**
 * The input rows of one matrix product, prepared once ({@link PackedMatrix#prepare}) for all the threads that
 * multiply parts of the matrix: the float rows, and for a matrix that multiplies int8 activations the same rows
 * quantized ({@link Q8Rows}), or for a tiled product the rows repacked ({@link TiledProduct.Inputs}), so that no
 * thread repeats that work for its range of rows.
 */
public final class MatmulInput {

    final float[] values;
    final int tokens;
    final Q8Rows q8;
    /** The rows repacked for {@link TiledProduct}, when the product is tiled; else null. */
    final TiledProduct.Inputs tiled;

    MatmulInput(float[] values, int tokens, Q8Rows q8, TiledProduct.Inputs tiled) {
        this.values = values;
        this.tokens = tokens;
        this.q8 = q8;
        this.tiled = tiled;
    }

    public int tokens() {
        return tokens;
    }
}
