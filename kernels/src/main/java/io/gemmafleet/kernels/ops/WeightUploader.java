package io.gemmafleet.kernels.ops;

import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaDevice.Purpose;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Puts checkpoint tensors on the device in the layouts the kernels read.
 *
 * <p>bf16 and f32 go up as they are. Q4_0 and Q8_0 are split at upload into a quants array and a scales array so
 * that every block's quants are 16-byte aligned (GGUF's 18- and 34-byte blocks are not). Other encodings (F16, the
 * K-quants, Q4_1, Q5_x) are dequantised to f32 with the CPU backend's own {@link Dequantizer}: exact, at 4 bytes a
 * weight. Several tensors with the same columns can be stacked into one matrix (q|k|v, gate|up) so that one launch
 * reads them all.
 */
public final class WeightUploader {

    private static final long ROWS_PER_CHUNK_BYTES = 64L << 20;

    private final CudaDevice device;

    public WeightUploader(CudaDevice device) {
        this.device = device;
    }

    /** Uploads one matrix. */
    public DeviceMatrix upload(TensorData tensor) {
        return stack(List.of(tensor), tensor.name());
    }

    /**
     * Uploads tensors with equal column counts as one matrix whose rows are theirs in order. Tensors of different
     * encodings are all converted to f32 so they can share one kernel.
     */
    public DeviceMatrix stack(List<TensorData> parts, String label) {
        long cols = parts.getFirst().columns();
        long rows = 0;
        for (TensorData t : parts) {
            rows += t.rows();
        }
        WeightFormat format = formatOf(parts);
        if (cols % 8 != 0) {
            throw new IllegalArgumentException(label + ": " + cols + " columns is not a multiple of 8, which the "
                    + "device kernels need");
        }
        return switch (format) {
            case BF16, F32 -> uploadPlain(parts, format, (int) rows, (int) cols, label);
            case Q4_0, Q8_0 -> uploadQuantised(parts, format, (int) rows, (int) cols, label);
        };
    }

    private DeviceMatrix uploadPlain(List<TensorData> parts, WeightFormat format, int rows, int cols, String label) {
        long rowBytes = format.rowBytes(cols);
        DeviceBuffer values = device.allocate(rowBytes * rows, Purpose.WEIGHTS, label);
        long offset = 0;
        for (TensorData t : parts) {
            boolean asStored = format == WeightFormat.BF16 ? t.type() == GgmlType.BF16 : t.type() == GgmlType.F32;
            if (asStored) {
                device.copyToDevice(values.at(offset), t.data().asSlice(0, rowBytes * t.rows()));
            } else {
                copyDequantised(t, values, offset, cols);
            }
            offset += rowBytes * t.rows();
        }
        return new DeviceMatrix(format, rows, cols, values, null);
    }

    /**
     * The device format {@link #stack} gives these tensors: their common encoding's, f32 when they differ or when a
     * block format's blocks would straddle rows.
     *
     * @throws IllegalArgumentException when their column counts differ
     */
    public static WeightFormat formatOf(List<TensorData> parts) {
        long cols = parts.getFirst().columns();
        GgmlType type = parts.getFirst().type();
        for (TensorData t : parts) {
            if (t.columns() != cols) {
                throw new IllegalArgumentException("cannot stack " + t + " with " + parts.getFirst());
            }
            if (t.type() != type) {
                type = GgmlType.F32;
            }
        }
        WeightFormat format = WeightFormat.forType(type);
        if (cols % 32 != 0 && (format == WeightFormat.Q4_0 || format == WeightFormat.Q8_0)) {
            format = WeightFormat.F32;  // cannot happen for GGUF (blocks never straddle rows); kept as a guard
        }
        return format;
    }

    /** Device bytes {@link #stack} allocates for these tensors (before the driver's 256-byte rounding). */
    public static long deviceBytes(List<TensorData> parts) {
        long rows = 0;
        for (TensorData t : parts) {
            rows += t.rows();
        }
        return formatOf(parts).rowBytes(parts.getFirst().columns()) * rows;
    }

    /** Dequantises {@code t} to f32 row by row (in chunks of rows) into {@code dst} at {@code offset}. */
    private void copyDequantised(TensorData t, DeviceBuffer dst, long offset, int cols) {
        int chunkRows = (int) Math.max(1, ROWS_PER_CHUNK_BYTES / (4L * cols));
        float[] row = new float[cols];
        for (long r0 = 0; r0 < t.rows(); r0 += chunkRows) {
            int n = (int) Math.min(chunkRows, t.rows() - r0);
            float[] chunk = new float[n * cols];
            for (int r = 0; r < n; r++) {
                Dequantizer.row(t, r0 + r, row);
                System.arraycopy(row, 0, chunk, r * cols, cols);
            }
            device.copyToDevice(dst.at(offset + r0 * cols * 4L), chunk, chunk.length);
        }
    }

    private DeviceMatrix uploadQuantised(List<TensorData> parts, WeightFormat format, int rows, int cols,
                                         String label) {
        int blocksPerRow = cols / 32;
        int quantBytesPerBlock = format == WeightFormat.Q4_0 ? 16 : 32;
        int blockBytes = quantBytesPerBlock + 2;  // GGUF: f16 scale first, then the quants
        DeviceBuffer quants = device.allocate((long) rows * blocksPerRow * quantBytesPerBlock, Purpose.WEIGHTS,
                label + " quants");
        DeviceBuffer scales = device.allocate((long) rows * blocksPerRow * 2, Purpose.WEIGHTS, label + " scales");
        int chunkRows = (int) Math.max(1, ROWS_PER_CHUNK_BYTES / ((long) blocksPerRow * blockBytes));
        long rowBase = 0;
        for (TensorData t : parts) {
            MemorySegment data = t.data();
            for (long r0 = 0; r0 < t.rows(); r0 += chunkRows) {
                int n = (int) Math.min(chunkRows, t.rows() - r0);
                int blocks = n * blocksPerRow;
                byte[] q = new byte[blocks * quantBytesPerBlock];
                byte[] d = new byte[blocks * 2];
                long src = r0 * blocksPerRow * blockBytes;
                for (int b = 0; b < blocks; b++) {
                    long at = src + (long) b * blockBytes;
                    d[2 * b] = data.get(ValueLayout.JAVA_BYTE, at);
                    d[2 * b + 1] = data.get(ValueLayout.JAVA_BYTE, at + 1);
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at + 2, q, b * quantBytesPerBlock,
                            quantBytesPerBlock);
                }
                long firstBlock = (rowBase + r0) * blocksPerRow;
                device.copyToDevice(quants.at(firstBlock * quantBytesPerBlock), q, q.length);
                device.copyToDevice(scales.at(firstBlock * 2), d, d.length);
            }
            rowBase += t.rows();
        }
        return new DeviceMatrix(format, rows, cols, quants, scales);
    }

    /** Uploads a float vector (a norm's weights). */
    public DeviceBuffer upload(float[] values, String label) {
        DeviceBuffer buffer = device.allocate((long) values.length * 4, Purpose.WEIGHTS, label);
        device.copyToDevice(buffer.pointer(), values, values.length);
        return buffer;
    }
}
