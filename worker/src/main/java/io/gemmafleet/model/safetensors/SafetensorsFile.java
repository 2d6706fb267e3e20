package io.gemmafleet.model.safetensors;

import io.gemmafleet.model.tensor.TensorData;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/** The contents of one safetensors file: its {@code __metadata__} strings and its tensors (data in the mapping). */
public record SafetensorsFile(Path path, Map<String, String> metadata, Map<String, TensorData> tensors) {

    public SafetensorsFile {
        metadata = Collections.unmodifiableMap(metadata);
        tensors = Collections.unmodifiableMap(tensors);
    }
}
