package io.gemmafleet.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.tensor.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tensors into a Hugging Face folder as {@code model.safetensors}, or — when they exceed
 * {@code maxShardBytes} — as {@code model-0000i-of-0000N.safetensors} shards plus {@code model.safetensors.index.json},
 * the layout {@code save_pretrained} produces. A tensor larger than the limit gets a shard of its own.
 */
public final class SafetensorsShardWriter {

    private record Entry(String name, GgmlType type, long[] shape, TensorPayload payload, long bytes) {}

    private final long maxShardBytes;
    private final List<Entry> entries = new ArrayList<>();

    public SafetensorsShardWriter(long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive");
        }
        this.maxShardBytes = maxShardBytes;
    }

    public SafetensorsShardWriter addTensor(String name, GgmlType type, long[] shape, TensorPayload payload) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        entries.add(new Entry(name, type, shape.clone(), payload, type.byteSize(elements)));
        return this;
    }

    /** Writes the files into {@code dir}; returns the paths written (shards first, then the index if any). */
    public List<Path> write(Path dir) throws IOException {
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> current = new ArrayList<>();
        long currentBytes = 0;
        for (Entry e : entries) {
            if (!current.isEmpty() && currentBytes + e.bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += e.bytes;
        }
        shards.add(current);

        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            written.add(writeShard(dir.resolve(SafetensorsFolderReader.SINGLE_FILE), shards.get(0)));
            return written;
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", entries.stream().mapToLong(Entry::bytes).sum());
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            written.add(writeShard(dir.resolve(name), shards.get(i)));
            for (Entry e : shards.get(i)) {
                weightMap.put(e.name, name);
            }
        }
        Path indexPath = dir.resolve(SafetensorsFolderReader.INDEX_FILE);
        json.writeValue(indexPath.toFile(), index);
        written.add(indexPath);
        return written;
    }

    private static Path writeShard(Path file, List<Entry> shard) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
        for (Entry e : shard) {
            w.addTensor(e.name, e.type, e.shape, e.payload);
        }
        w.write(file);
        return file;
    }
}
