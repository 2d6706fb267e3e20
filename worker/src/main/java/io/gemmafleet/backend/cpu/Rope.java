package io.gemmafleet.backend.cpu;

/**
 * Rotary position embedding in Gemma's rotate-half (NeoX) form: element {@code i} of a head is rotated together
 * with element {@code i + headDim/2} by angle {@code position / linearScale × base^(−2i/headDim)}.
 *
 * <p>Angles are precomputed per position on first use, in double precision, for the bases of one layer kind.
 */
final class Rope {

    private final int half;
    private final double[] inverseFrequency;
    private float[] cos = new float[0];
    private float[] sin = new float[0];
    private int positions;

    Rope(int headDim, double base, double linearScale) {
        this.half = headDim / 2;
        this.inverseFrequency = new double[half];
        for (int i = 0; i < half; i++) {
            inverseFrequency[i] = 1.0 / Math.pow(base, (2.0 * i) / headDim) / linearScale;
        }
    }

    /** Makes sure tables cover positions {@code 0 .. count-1}. Not thread-safe: call before parallel work. */
    void ensure(int count) {
        if (count <= positions) {
            return;
        }
        int grown = Math.max(count, positions * 2);
        float[] c = new float[grown * half];
        float[] s = new float[grown * half];
        for (int p = 0; p < grown; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inverseFrequency[i];
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        }
        cos = c;
        sin = s;
        positions = grown;
    }

    /** Rotates one head {@code x[o .. o + headDim)} for {@code position}. */
    void apply(float[] x, int o, int position) {
        int t = position * half;
        for (int i = 0; i < half; i++) {
            float a = x[o + i];
            float b = x[o + half + i];
            float c = cos[t + i];
            float s = sin[t + i];
            x[o + i] = a * c - b * s;
            x[o + half + i] = b * c + a * s;
        }
    }
}
