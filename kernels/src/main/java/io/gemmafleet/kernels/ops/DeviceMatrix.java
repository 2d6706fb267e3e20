package io.gemmafleet.kernels.ops;

import io.gemmafleet.kernels.cuda.DeviceBuffer;

/**
 * A weight matrix {@code [rows, cols]} resident on the device in one {@link WeightFormat}.
 *
 * @param values the bf16/f32 elements, or the quants of a quantised format
 * @param scales the per-block f16 scales of a quantised format, else null
 */
public record DeviceMatrix(WeightFormat format, int rows, int cols, DeviceBuffer values, DeviceBuffer scales) {

    /** Device bytes read by one pass over the matrix. */
    public long bytes() {
        return format.rowBytes(cols) * rows;
    }
}
