package io.gemmafleet.model.load;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.model.tokenizer.TokenizerSource;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded checkpoint: the normalised configuration, every text-decoder tensor under its GGUF name
 * ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, ...), and the tokenizer it ships with.
 *
 * <p>Tensor data stays in the memory-mapped files until {@link #close()}, which unmaps them; tensors must not be
 * used after that.
 */
public final class Checkpoint implements AutoCloseable {

    private final Path source;
    private final String format;
    private final Gemma3Config config;
    private final Map<String, TensorData> tensors;
    private final TokenizerSource tokenizer;
    private final Arena arena;

    public Checkpoint(Path source, String format, Gemma3Config config, Map<String, TensorData> tensors,
                      TokenizerSource tokenizer, Arena arena) {
        this.source = source;
        this.format = format;
        this.config = config;
        this.tensors = Map.copyOf(tensors);
        this.tokenizer = tokenizer;
        this.arena = arena;
    }

    /** The file or folder the checkpoint was read from. */
    public Path source() {
        return source;
    }

    /** {@code "gguf"} or {@code "safetensors"}. */
    public String format() {
        return format;
    }

    public Gemma3Config config() {
        return config;
    }

    public Map<String, TensorData> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}; a missing tensor is a load error that names it. */
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new ModelLoadException(source, "missing tensor " + name);
        }
        return t;
    }

    /**
     * Bytes of the text decoder's tensors as stored: the sum of their payload sizes from the file headers (the
     * mapped regions are measured, not read), excluding anything else the file carries (a vision tower, extra
     * tensors). What a backend that serves the weights as stored keeps resident.
     */
    public long decoderWeightBytes() {
        long total = 0;
        for (String name : Gemma3Tensors.expectedShapes(config).keySet()) {
            total += tensor(name).data().byteSize();
        }
        return total;
    }

    /** The tokenizer shipped with the checkpoint, or null when it has none. */
    public TokenizerSource tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        arena.close();
    }
}
