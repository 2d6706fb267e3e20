package io.gemmafleet.testmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.model.tokenizer.BundledTokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The real Gemma 3 tokenizer files a test model ships with, and the GGUF vocabulary ({@code tokenizer.ggml.*})
 * built from them the way llama.cpp's converter types SentencePiece pieces: control for special added tokens,
 * user-defined for other added tokens, byte for {@code <0xNN>}, unknown for {@code <unk>}, normal otherwise; rows past
 * the tokenizer get unused {@code [PADn]} pieces.
 */
public final class TestModelTokenizer {

    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, Pieces> CACHE = new ConcurrentHashMap<>();

    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    private final Path dir;

    /** Tokenizer files in {@code dir} ({@code tokenizer.json}, {@code tokenizer_config.json}). */
    public TestModelTokenizer(Path dir) {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("no tokenizer.json in " + dir);
        }
        this.dir = dir;
    }

    /** The real tokenizer files installed with the reference packages ({@link BundledTokenizerFiles}). */
    public static TestModelTokenizer locateDefault() {
        return new TestModelTokenizer(BundledTokenizerFiles.directory());
    }

    public Path tokenizerJson() {
        return dir.resolve("tokenizer.json");
    }

    public Path tokenizerConfigJson() {
        return dir.resolve("tokenizer_config.json");
    }

    /** The chat template from tokenizer_config.json, or null. */
    public String chatTemplate() {
        Path cfg = tokenizerConfigJson();
        if (!Files.isRegularFile(cfg)) {
            return null;
        }
        try {
            JsonNode t = JSON.readTree(cfg.toFile()).get("chat_template");
            return t == null || t.isNull() ? null : t.asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pieces, scores and llama.cpp token types for exactly {@code rows} ids. */
    public record Pieces(List<String> tokens, float[] scores, int[] types) {}

    public Pieces pieces(int rows) {
        Pieces all = CACHE.computeIfAbsent(tokenizerJson().toAbsolutePath(), this::parse);
        int known = all.tokens.size();
        List<String> tokens = new ArrayList<>(rows);
        float[] scores = new float[rows];
        int[] types = new int[rows];
        for (int id = 0; id < rows; id++) {
            if (id < known && all.tokens.get(id) != null) {
                tokens.add(all.tokens.get(id));
                scores[id] = all.scores[id];
                types[id] = all.types[id];
            } else {
                tokens.add("[PAD" + id + "]"); // what llama.cpp's converter puts in rows the tokenizer lacks
                scores[id] = -10000f;
                types[id] = TYPE_UNUSED;
            }
        }
        return new Pieces(Collections.unmodifiableList(tokens), scores, types);
    }

    private Pieces parse(Path tokenizerJson) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        JsonNode added = root.path("added_tokens");
        int size = 0;
        for (var it = vocab.fields(); it.hasNext(); ) {
            size = Math.max(size, it.next().getValue().asInt() + 1);
        }
        for (JsonNode a : added) {
            size = Math.max(size, a.path("id").asInt() + 1);
        }
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        vocab.fields().forEachRemaining(e -> {
            int id = e.getValue().asInt();
            tokens[id] = e.getKey();
            boolean isByte = BYTE_PIECE.matcher(e.getKey()).matches();
            types[id] = isByte ? TYPE_BYTE : TYPE_NORMAL;
            scores[id] = isByte ? 0f : -id; // BPE rank order stands in for SentencePiece scores
        });
        for (JsonNode a : added) {
            int id = a.path("id").asInt();
            tokens[id] = a.path("content").asText();
            scores[id] = 0f;
            if (tokens[id].equals("<unk>")) {
                types[id] = TYPE_UNKNOWN;
            } else if (BYTE_PIECE.matcher(tokens[id]).matches()) {
                types[id] = TYPE_BYTE;
            } else {
                types[id] = a.path("special").asBoolean() ? TYPE_CONTROL : TYPE_USER_DEFINED;
            }
        }
        return new Pieces(Arrays.asList(tokens), scores, types);
    }
}
