package io.gemmafleet.backend.cpu.vision;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The element-wise kernels SigLIP needs beyond {@link io.gemmafleet.backend.cpu.VectorMath}: LayerNorm, GELU, softmax. */
final class VisionKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    private VisionKernels() {}

    /** LayerNorm of {@code in[io..io+n)} into {@code out[oo..oo+n)}: {@code (x - mean) / sqrt(var + eps) * w + b}. */
    static void layerNorm(float[] in, int io, float[] out, int oo, int n, float[] w, float[] b, float eps) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = acc.add(FloatVector.fromArray(F, in, io + i));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += in[io + i];
        }
        float mean = sum / n;
        // two passes: the variance of centred values, not E[x²] - mean², which cancels badly for large means
        acc = FloatVector.zero(F);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector c = FloatVector.fromArray(F, in, io + i).sub(mean);
            acc = c.fma(c, acc);
        }
        float squares = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float c = in[io + i] - mean;
            squares += c * c;
        }
        float inv = (float) (1.0 / Math.sqrt(squares / n + eps));
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, in, io + i).sub(mean).mul(inv)
                    .fma(FloatVector.fromArray(F, w, i), FloatVector.fromArray(F, b, i))
                    .intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = (in[io + i] - mean) * inv * w[i] + b[i];
        }
    }

    /** {@code x[i] = gelu_tanh(x[i])} for {@code i} in {@code [from, to)} (SigLIP's {@code gelu_pytorch_tanh}). */
    static void gelu(float[] x, int from, int to) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector g = FloatVector.fromArray(F, x, i);
            FloatVector inner = g.mul(g).mul(g).mul(0.044715f).add(g).mul(SQRT_2_OVER_PI);
            inner.lanewise(VectorOperators.TANH).add(1f).mul(g).mul(0.5f).intoArray(x, i);
        }
        for (; i < to; i++) {
            float g = x[i];
            x[i] = 0.5f * g * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (g + 0.044715f * g * g * g)));
        }
    }

    /** Softmax of {@code scale * x[o..o+n)} in place. */
    static void scaledSoftmax(float[] x, int o, int n, float scale) {
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) {
            maxV = maxV.max(FloatVector.fromArray(F, x, o + i));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[o + i]);
        }
        FloatVector sumV = FloatVector.zero(F);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, o + i).sub(max).mul(scale).lanewise(VectorOperators.EXP);
            e.intoArray(x, o + i);
            sumV = sumV.add(e);
        }
        float sum = sumV.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            x[o + i] = (float) Math.exp((x[o + i] - max) * scale);
            sum += x[o + i];
        }
        float inv = 1f / sum;
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, o + i).mul(inv).intoArray(x, o + i);
        }
        for (; i < n; i++) {
            x[o + i] *= inv;
        }
    }
}
