package io.gemmafleet.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.model.io.MappedFiles;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one safetensors file by memory-mapping it: 8-byte little-endian header length, JSON header, then raw
 * little-endian tensor data. Only F32, F16 and BF16 tensors are accepted.
 *
 * <p>Every header field is checked (length within the file and at most 100 MB, as the format specifies; offsets
 * inside the data area; byte counts matching dtype × shape), so bad input ends in a one-line
 * {@link ModelLoadException}.
 */
public final class SafetensorsReader {

    /** The format's own cap on the JSON header. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SafetensorsReader() {}

    /** Maps and parses {@code path}; tensor data lives as long as {@code arena}. */
    public static SafetensorsFile read(Path path, Arena arena) {
        MemorySegment file = MappedFiles.map(path, arena);
        if (file.byteSize() < 8) {
            throw new ModelLoadException(path, "truncated safetensors file (" + file.byteSize() + " bytes, no header length)");
        }
        long headerLength = file.get(U64, 0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > file.byteSize() - 8) {
            throw new ModelLoadException(path, "bad safetensors header length " + Long.toUnsignedString(headerLength)
                    + " (file has " + file.byteSize() + " bytes)");
        }
        String headerText = new String(file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = JSON.readTree(headerText);
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(path, "malformed safetensors header JSON: " + firstLine(e.getOriginalMessage()));
        }
        if (header == null || !header.isObject()) {
            throw new ModelLoadException(path, "malformed safetensors header: not a JSON object");
        }
        MemorySegment data = file.asSlice(8 + headerLength);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
            } else {
                tensors.put(e.getKey(), tensor(path, e.getKey(), e.getValue(), data));
            }
        }
        return new SafetensorsFile(path, metadata, tensors);
    }

    private static TensorData tensor(Path path, String name, JsonNode entry, MemorySegment data) {
        JsonNode dtypeNode = entry.get("dtype");
        JsonNode shapeNode = entry.get("shape");
        JsonNode offsets = entry.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelLoadException(path, "tensor " + name + " has a malformed header entry");
        }
        String dtype = dtypeNode.asText();
        GgmlType type = SafetensorsDtypes.toGgml(dtype);
        if (type == null) {
            throw new ModelLoadException(path, SafetensorsDtypes.KNOWN_UNSUPPORTED.contains(dtype)
                    ? "tensor " + name + " has dtype " + dtype + ", which this runtime cannot run (supported: F32, F16, BF16)"
                    : "tensor " + name + " has unknown dtype " + dtype);
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw new ModelLoadException(path, "tensor " + name + " has a bad shape " + shapeNode);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException ex) {
                throw new ModelLoadException(path, "tensor " + name + " has an absurd shape " + shapeNode);
            }
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        long expected = elements > Long.MAX_VALUE / 4 ? -1 : type.byteSize(elements);
        if (begin < 0 || end < begin || end - begin != expected) {
            throw new ModelLoadException(path, "tensor " + name + " has data offsets " + offsets + " that do not match "
                    + dtype + " " + shapeNode + " (" + expected + " bytes)");
        }
        if (end > data.byteSize()) {
            throw new ModelLoadException(path, "truncated file: tensor " + name + " data ends at byte " + end
                    + " of a " + data.byteSize() + "-byte data area");
        }
        return new TensorData(name, type, shape, data.asSlice(begin, end - begin));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
