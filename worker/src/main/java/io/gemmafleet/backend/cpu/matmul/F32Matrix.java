package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.F;
import static io.gemmafleet.backend.cpu.matmul.Lanes.L;
import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;

import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Products with a float32 matrix. */
final class F32Matrix extends PackedMatrix {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    F32Matrix(TensorData tensor) {
        super(tensor);
    }

    private FloatVector load(long offset) {
        return FloatVector.fromMemorySegment(F, data, offset, LE);
    }

    @Override
    protected boolean decodesInVectors() {
        return true;
    }

    @Override
    protected void decode(long rowOffset, int from, int count, float[] dst, int dstOffset) {
        MemorySegment.copy(data, FLOAT, rowOffset + 4L * from, dst, dstOffset, count);
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        // Four accumulators: independent FMA chains, so the loop runs at FMA throughput, not latency.
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= columns; i += 4 * L) {
            a0 = load(rowOffset + 4L * i).fma(FloatVector.fromArray(F, x, xOffset + i), a0);
            a1 = load(rowOffset + 4L * (i + L)).fma(FloatVector.fromArray(F, x, xOffset + i + L), a1);
            a2 = load(rowOffset + 4L * (i + 2 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 2 * L), a2);
            a3 = load(rowOffset + 4L * (i + 3 * L)).fma(FloatVector.fromArray(F, x, xOffset + i + 3 * L), a3);
        }
        for (; i + L <= columns; i += L) {
            a0 = load(rowOffset + 4L * i).fma(FloatVector.fromArray(F, x, xOffset + i), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < columns; i++) {
            sum += data.get(FLOAT, rowOffset + 4L * i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + L <= columns; i += L) {
            FloatVector w = load(rowOffset + 4L * i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < columns; i++) {
            float w = data.get(FLOAT, rowOffset + 4L * i);
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
