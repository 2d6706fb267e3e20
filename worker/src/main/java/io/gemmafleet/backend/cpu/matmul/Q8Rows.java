package io.gemmafleet.backend.cpu.matmul;

/**
 * Input rows quantized to int8 the way llama.cpp's {@code quantize_row_q8_0} does before it multiplies them with a
 * Q4_0 or Q8_0 matrix: per block of 32 values, {@code amax = max |x|}, scale {@code d = fp16(amax / 127)} and
 * {@code q = rint(x · 127 / amax)} (round half to even, as {@code _mm256_round_ps} with {@code _MM_ROUND_NEAREST}).
 *
 * <p>The values are kept widened to {@code short}: the kernels multiply in 16-bit lanes, and loading shorts
 * directly saves a sign extension per block and input. {@code scales[t * columns / 32 + b]} is block {@code b} of
 * row {@code t}, already rounded through fp16 as llama.cpp stores it; {@code sums} holds each block's sum of
 * quantized values, which a matrix with per-block minimums (Q4_K) multiplies by its minimum.
 */
record Q8Rows(short[] values, float[] scales, int[] sums) {

    static final int BLOCK = 32;

    /** Quantizes {@code tokens} rows of {@code columns} values (a multiple of 32) from {@code in}. */
    static Q8Rows quantize(float[] in, int tokens, int columns) {
        if (columns % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 rows need a multiple of 32 columns, got " + columns);
        }
        int length = tokens * columns;
        short[] values = new short[length];
        float[] scales = new float[length / BLOCK];
        int[] sums = new int[length / BLOCK];
        for (int block = 0; block < scales.length; block++) {
            int start = block * BLOCK;
            float amax = 0;
            for (int i = start; i < start + BLOCK; i++) {
                amax = Math.max(amax, Math.abs(in[i]));
            }
            scales[block] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float inverse = amax != 0 ? 127f / amax : 0f;
            int sum = 0;
            for (int i = start; i < start + BLOCK; i++) {
                values[i] = (short) Math.rint(in[i] * inverse);
                sum += values[i];
            }
            sums[block] = sum;
        }
        return new Q8Rows(values, scales, sums);
    }
}
