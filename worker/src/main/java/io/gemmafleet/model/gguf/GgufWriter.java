package io.gemmafleet.model.gguf;

import io.gemmafleet.model.io.LittleEndianOutput;
import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.tensor.GgmlType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: metadata in insertion order, then tensor records, then tensor data, each tensor's data
 * starting at a multiple of the alignment ({@code general.alignment} if set, else 32) and zero padded, as
 * llama.cpp's gguf-py writes it. Tensor bytes are streamed from {@link TensorPayload}s, so the model need not fit
 * in memory.
 */
public final class GgufWriter {

    private record PendingTensor(String name, GgmlType type, long[] shape, long bytes, TensorPayload payload) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    /** Adds (or replaces) a metadata entry. */
    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor. {@code shape} is in numpy order (it is written reversed, as ggml dims); the payload must
     * produce exactly {@code type.byteSize(elements)} bytes.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorPayload payload) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        if (shape[shape.length - 1] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + shape[shape.length - 1]
                    + " is not a multiple of the " + type + " block size");
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), type.byteSize(elements), payload));
        return this;
    }

    /** Writes the file (replacing any existing one). */
    public void write(Path file) throws IOException {
        long alignment = metadata.containsKey("general.alignment")
                ? (Long) metadata.get("general.alignment").value() : GgufReader.DEFAULT_ALIGNMENT;
        try (OutputStream raw = Files.newOutputStream(file);
             LittleEndianOutput out = new LittleEndianOutput(new BufferedOutputStream(raw, 1 << 20))) {
            out.u32(GgufReader.MAGIC);
            out.u32(3);
            out.u64(tensors.size());
            out.u64(metadata.size());
            for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
                out.ggufString(e.getKey());
                writeValue(out, e.getValue());
            }
            long offset = 0;
            for (PendingTensor t : tensors) {
                out.ggufString(t.name);
                out.u32(t.shape.length);
                for (int d = t.shape.length - 1; d >= 0; d--) {
                    out.u64(t.shape[d]);
                }
                out.u32(t.type.id());
                out.u64(offset);
                offset = alignUp(offset + t.bytes, alignment);
            }
            out.padTo(alignment);
            for (PendingTensor t : tensors) {
                long start = out.count();
                t.payload.writeTo(out);
                long written = out.count() - start;
                if (written != t.bytes) {
                    throw new IllegalStateException(t.name + ": payload wrote " + written + " bytes, expected " + t.bytes);
                }
                out.padTo(alignment);
            }
        }
    }

    private static void writeValue(LittleEndianOutput out, GgufValue v) throws IOException {
        out.u32(v.type().id());
        if (v.type() == GgufValueType.ARRAY) {
            out.u32(v.elementType().id());
            out.u64(v.arrayLength());
            switch (v.value()) {
                case long[] a -> {
                    for (long x : a) writeScalar(out, v.elementType(), x);
                }
                case float[] a -> {
                    for (float x : a) out.f32(x);
                }
                case double[] a -> {
                    for (double x : a) out.f64(x);
                }
                case boolean[] a -> {
                    for (boolean x : a) out.u8(x ? 1 : 0);
                }
                case List<?> l -> {
                    for (Object s : l) out.ggufString((String) s);
                }
                default -> throw new IllegalArgumentException("bad array value " + v);
            }
        } else {
            writeScalar(out, v.type(), v.value());
        }
    }

    private static void writeScalar(LittleEndianOutput out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((int) (long) (Long) value);
            case UINT16, INT16 -> out.u16((int) (long) (Long) value);
            case UINT32, INT32 -> out.u32((int) (long) (Long) value);
            case UINT64, INT64 -> out.u64((Long) value);
            case FLOAT32 -> out.f32((Float) value);
            case FLOAT64 -> out.f64((Double) value);
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            case STRING -> out.ggufString((String) value);
            case ARRAY -> throw new IllegalArgumentException("nested arrays are not supported");
        }
    }

    private static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }
}
