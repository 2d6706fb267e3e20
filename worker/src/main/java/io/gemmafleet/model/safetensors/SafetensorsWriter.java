package io.gemmafleet.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.model.io.LittleEndianOutput;
import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.tensor.GgmlType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one safetensors file: tensors in insertion order, header JSON padded with spaces to a multiple of 8 bytes
 * (as the reference implementation does, so data stays aligned). Tensor bytes are streamed from
 * {@link TensorPayload}s. Only F32, F16 and BF16 can be stored.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record PendingTensor(String name, GgmlType type, long[] shape, long bytes, TensorPayload payload) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor with a numpy-order shape; the payload must write exactly the tensor's byte size. */
    public SafetensorsWriter addTensor(String name, GgmlType type, long[] shape, TensorPayload payload) {
        SafetensorsDtypes.toDtype(type);
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), type.byteSize(elements), payload));
        return this;
    }

    /** Total bytes of tensor data added so far (what sharding decisions look at). */
    public long dataBytes() {
        return tensors.stream().mapToLong(PendingTensor::bytes).sum();
    }

    public boolean isEmpty() {
        return tensors.isEmpty();
    }

    public List<String> tensorNames() {
        return tensors.stream().map(PendingTensor::name).toList();
    }

    public void write(Path file) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            ObjectNode entry = header.putObject(t.name);
            entry.put("dtype", SafetensorsDtypes.toDtype(t.type));
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + t.bytes);
            offset += t.bytes;
        }
        StringBuilder json = new StringBuilder(JSON.writeValueAsString(header));
        while (json.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
            json.append(' ');
        }
        byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream raw = Files.newOutputStream(file);
             LittleEndianOutput out = new LittleEndianOutput(new BufferedOutputStream(raw, 1 << 20))) {
            out.u64(headerBytes.length);
            out.write(headerBytes);
            for (PendingTensor t : tensors) {
                long start = out.count();
                t.payload.writeTo(out);
                if (out.count() - start != t.bytes) {
                    throw new IllegalStateException(t.name + ": payload wrote " + (out.count() - start)
                            + " bytes, expected " + t.bytes);
                }
            }
        }
    }
}
