package io.gemmafleet.backend.cpu.matmul;

/**
 * The input rows of one matrix product, prepared once ({@link PackedMatrix#prepare}) for all the threads that
 * multiply parts of the matrix: the float rows, and for a matrix that multiplies int8 activations the same rows
 * quantized ({@link Q8Rows}), so that no thread repeats the quantization for its range of rows.
 */
public final class MatmulInput {

    final float[] values;
    final int tokens;
    final Q8Rows q8;

    MatmulInput(float[] values, int tokens, Q8Rows q8) {
        this.values = values;
        this.tokens = tokens;
        this.q8 = q8;
    }

    public int tokens() {
        return tokens;
    }
}
