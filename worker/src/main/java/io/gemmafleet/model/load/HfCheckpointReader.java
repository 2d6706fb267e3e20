package io.gemmafleet.model.load;

import io.gemmafleet.model.load.HfConfigReader.Architecture;
import io.gemmafleet.model.load.HfConfigReader.HfConfig;
import io.gemmafleet.model.safetensors.SafetensorsFolderReader;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.model.tokenizer.TokenizerSource;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a Hugging Face Gemma 3 folder ({@code config.json} + safetensors, optionally sharded) into a
 * {@link Checkpoint}: text-decoder tensors renamed to GGUF names (data untouched, still mapped), vision tensors and
 * {@code lm_head} ignored, tokenizer from {@code tokenizer.json} beside the config.
 */
public final class HfCheckpointReader {

    private HfCheckpointReader() {}

    public static Checkpoint read(Path dir, Arena arena) {
        Path configJson = dir.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            throw new ModelLoadException(dir, "no config.json in folder (not a Hugging Face model folder)");
        }
        if (!SafetensorsFolderReader.hasWeights(dir)) {
            boolean pytorch = Files.exists(dir.resolve("pytorch_model.bin"))
                    || Files.exists(dir.resolve("pytorch_model.bin.index.json"));
            throw new ModelLoadException(dir, pytorch
                    ? "only PyTorch .bin weights in folder; convert them to safetensors (PyTorch pickles are not supported)"
                    : "no safetensors weights (model.safetensors or model.safetensors.index.json) in folder");
        }
        HfConfig hf = HfConfigReader.read(configJson);
        Map<String, TensorData> raw = SafetensorsFolderReader.read(dir, arena);
        String prefix = prefix(dir, hf.architecture(), raw);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (TensorData t : raw.values()) {
            String gguf = HfTensorNames.toGguf(t.name(), prefix);
            if (gguf != null) {
                tensors.put(gguf, new TensorData(gguf, t.type(), t.shape(), t.data()));
            }
        }
        Gemma3Tensors.validate(dir, hf.config(), tensors);
        Path tokenizer = dir.resolve("tokenizer.json");
        return new Checkpoint(dir, "safetensors", hf.config(), tensors,
                Files.isRegularFile(tokenizer) ? new TokenizerSource.HuggingFaceFile(tokenizer) : null, arena);
    }

    /** The text-decoder prefix: fixed for causal LMs, whichever spelling the file uses for ConditionalGeneration. */
    private static String prefix(Path dir, Architecture arch, Map<String, TensorData> raw) {
        if (arch == Architecture.CAUSAL_LM) {
            return HfTensorNames.CAUSAL_PREFIX;
        }
        List<String> candidates = HfTensorNames.CONDITIONAL_PREFIXES;
        for (String p : candidates) {
            if (raw.containsKey(p + "embed_tokens.weight")) {
                return p;
            }
        }
        throw new ModelLoadException(dir, "missing tensor " + candidates.get(0) + "embed_tokens.weight (also tried "
                + String.join(", ", candidates.subList(1, candidates.size())) + " prefixes)");
    }
}
