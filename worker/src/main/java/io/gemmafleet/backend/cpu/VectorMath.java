package io.gemmafleet.backend.cpu;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise and reduction kernels on float arrays (norms, activations, dot products), vectorised. */
public final class VectorMath {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorMath() {}

    /** {@code a[ao..ao+n) · b[bo..bo+n)}. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /**
     * RMSNorm in place on {@code x[o..o+n)}: {@code x / sqrt(mean(x²) + eps) * weight}, where {@code weight} is the
     * final multiplier (Gemma's {@code 1 + w} already applied by the loader).
     */
    public static void rmsNorm(float[] x, int o, int n, float[] weight, float eps) {
        rmsNorm(x, o, x, o, n, weight, eps);
    }

    /** RMSNorm of {@code in[io..io+n)} written to {@code out[oo..oo+n)}. */
    public static void rmsNorm(float[] in, int io, float[] out, int oo, int n, float[] weight, float eps) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, in, io + i);
            acc = v.fma(v, acc);
        }
        float sumSquares = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sumSquares += in[io + i] * in[io + i];
        }
        float inverseRms = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, in, io + i).mul(inverseRms).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = in[io + i] * inverseRms * weight[i];
        }
    }

    /** {@code acc[o..o+n) += x[xo..xo+n)}. */
    public static void addInto(float[] acc, int o, float[] x, int xo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, acc, o + i).add(FloatVector.fromArray(F, x, xo + i)).intoArray(acc, o + i);
        }
        for (; i < n; i++) {
            acc[o + i] += x[xo + i];
        }
    }

    /** {@code x[o..o+n) *= s}. */
    public static void scale(float[] x, int o, int n, float s) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, o + i).mul(s).intoArray(x, o + i);
        }
        for (; i < n; i++) {
            x[o + i] *= s;
        }
    }

    /** GeGLU in place: {@code gate[i] = gelu_tanh(gate[i]) * up[i]} for {@code i} in {@code [from, to)}. */
    public static void geglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector inner = g.mul(g).mul(g).mul(0.044715f).add(g).mul(SQRT_2_OVER_PI);
            FloatVector gelu = inner.lanewise(VectorOperators.TANH).add(1f).mul(g).mul(0.5f);
            gelu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            gate[i] = geluTanh(gate[i]) * up[i];
        }
    }

    /** The tanh approximation of GELU that Gemma uses ({@code gelu_pytorch_tanh}). */
    public static float geluTanh(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (x + 0.044715f * x * x * x)));
    }

    /** Softmax in place on {@code x[0..n)}, in a numerically stable way. */
    public static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[i] *= inv;
        }
    }

    /** {@code acc[o..o+n) += s * x[xo..xo+n)}. */
    public static void addScaled(float[] acc, int o, float[] x, int xo, int n, float s) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(FloatVector.broadcast(F, s), FloatVector.fromArray(F, acc, o + i)).intoArray(acc, o + i);
        }
        for (; i < n; i++) {
            acc[o + i] += s * x[xo + i];
        }
    }
}
