package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.F;
import static io.gemmafleet.backend.cpu.matmul.Lanes.I;
import static io.gemmafleet.backend.cpu.matmul.Lanes.L;
import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;
import static io.gemmafleet.backend.cpu.matmul.Lanes.S;

import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** Products with a bfloat16 matrix: a bf16 value is the top 16 bits of a float32, so decoding is a shift. */
final class Bf16Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    Bf16Matrix(TensorData tensor) {
        super(tensor);
    }

    /**
     * Eight bf16 values widened to floats. The shift is made on a typed {@link IntVector}: made through the generic
     * {@code Vector} interface that {@code convertShape} returns, C2 of JDK 25.0.3 twice aborted the JVM while late
     * inlining it with a float element type ("fatal error: LSHIFT: float" in {@code VectorSupport::vop2ideal},
     * compiling {@code dot4}, one CI run of 2026-11-27). It does not reproduce on demand, so the typed call is a
     * precaution that removes the generic dispatch, not a proven fix.
     */
    private FloatVector load(long offset) {
        IntVector wide = (IntVector) ShortVector.fromMemorySegment(S, data, offset, LE)
                .convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private float scalar(long offset) {
        return Dequantizer.bf16ToFloat(data.get(SHORT, offset));
    }

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        int i = 0;
        for (; i + L <= count; i += L) {
            load(rowOffset + 2L * (from + i)).intoArray(dst, dstOffset + i);
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = scalar(rowOffset + 2L * (from + i));
        }
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        // Four accumulators: independent FMA chains, so the loop runs at FMA throughput, not latency.
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= columns; i += 4 * L) {
            a0 = load(rowOffset + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), a0);
            a1 = load(rowOffset + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOffset + i + L), a1);
            a2 = load(rowOffset + 2L * (i + 2 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 2 * L), a2);
            a3 = load(rowOffset + 2L * (i + 3 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 3 * L), a3);
        }
        for (; i + L <= columns; i += L) {
            a0 = load(rowOffset + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < columns; i++) {
            sum += scalar(rowOffset + 2L * i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + L <= columns; i += L) {
            FloatVector w = load(rowOffset + 2L * i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < columns; i++) {
            float w = scalar(rowOffset + 2L * i);
            s0 += w * x[x0 + i];
            s1 += w * x[x1 + i];
            s2 += w * x[x2 + i];
            s3 += w * x[x3 + i];
        }
        result[0] = s0;
        result[1] = s1;
        result[2] = s2;
        result[3] = s3;
    }
}
