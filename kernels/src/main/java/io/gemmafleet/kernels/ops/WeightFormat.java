package io.gemmafleet.kernels.ops;

import io.gemmafleet.model.tensor.GgmlType;

/** How a weight matrix lies in device memory, which picks its matmul and embedding kernels. */
public enum WeightFormat {
    /** bf16 as in the checkpoint. */
    BF16,
    /** Q4_0 repacked: 16 quant bytes per block in one array, the f16 scales in another (see matmul_q4_0.cu). */
    Q4_0,
    /** Q8_0 repacked: int8 quants in one array, the f16 scales in another (see matmul_q8_0.cu). */
    Q8_0,
    /** f32: as in the checkpoint, or dequantised at upload for encodings without a device kernel (exact). */
    F32;

    /** The device format for a checkpoint encoding: its own where we have a kernel, else exact f32. */
    public static WeightFormat forType(GgmlType type) {
        return switch (type) {
            case BF16 -> BF16;
            case Q4_0 -> Q4_0;
            case Q8_0 -> Q8_0;
            default -> F32;
        };
    }

    /** Bytes one weight row of {@code cols} elements takes on the device, quants and scales together. */
    public long rowBytes(long cols) {
        return switch (this) {
            case BF16 -> cols * 2;
            case Q4_0 -> cols / 2 + cols / 32 * 2;
            case Q8_0 -> cols + cols / 32 * 2;
            case F32 -> cols * 4;
        };
    }
}
