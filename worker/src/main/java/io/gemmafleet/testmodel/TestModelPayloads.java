package io.gemmafleet.testmodel;

import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.quant.Quantizer;
import io.gemmafleet.model.tensor.GgmlType;

/** Streams a generated tensor row by row in a chosen storage type, optionally adding 1 (GGUF's norm convention). */
final class TestModelPayloads {

    private TestModelPayloads() {}

    static TensorPayload rows(TestModelWeights weights, String ggufName, long[] shape, GgmlType type, float add) {
        return out -> {
            int columns = Math.toIntExact(shape[shape.length - 1]);
            long rows = 1;
            for (int d = 0; d < shape.length - 1; d++) {
                rows *= shape[d];
            }
            TestModelWeights.Rows source = weights.rows(ggufName, shape);
            float[] row = new float[columns];
            byte[] bytes = new byte[Math.toIntExact(type.byteSize(columns))];
            for (long r = 0; r < rows; r++) {
                source.next(row);
                if (add != 0) {
                    for (int i = 0; i < columns; i++) {
                        row[i] += add;
                    }
                }
                Quantizer.quantize(type, row, 0, columns, bytes, 0);
                out.write(bytes);
            }
        };
    }
}
