package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.F;
import static io.gemmafleet.backend.cpu.matmul.Lanes.L;
import static io.gemmafleet.backend.cpu.matmul.Lanes.LE;

import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Products with a float16 matrix. The Vector API has no half-float conversion, so each row is widened into a
 * per-thread row buffer (one row, never the matrix) with the intrinsic {@link Float#float16ToFloat}, then dotted.
 * F16 matrices are rare in Gemma checkpoints (some embeddings); speed here matters less.
 */
final class F16Matrix extends PackedMatrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private final ThreadLocal<float[]> rowBuffer;

    F16Matrix(TensorData tensor) {
        super(tensor);
        rowBuffer = ThreadLocal.withInitial(() -> new float[columns]);
    }

    private float[] widen(long rowOffset) {
        float[] row = rowBuffer.get();
        for (int i = 0; i < columns; i++) {
            row[i] = Float.float16ToFloat(data.get(SHORT, rowOffset + 2L * i));
        }
        return row;
    }

    private float dotRow(float[] row, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= columns; i += L) {
            acc = FloatVector.fromArray(F, row, i).fma(FloatVector.fromArray(F, x, xOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < columns; i++) {
            sum += row[i] * x[xOffset + i];
        }
        return sum;
    }

    @Override
    protected float dot(long rowOffset, float[] x, int xOffset) {
        return dotRow(widen(rowOffset), x, xOffset);
    }

    @Override
    protected void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] result) {
        float[] row = widen(rowOffset);
        result[0] = dotRow(row, x, x0);
        result[1] = dotRow(row, x, x1);
        result[2] = dotRow(row, x, x2);
        result[3] = dotRow(row, x, x3);
    }
}
