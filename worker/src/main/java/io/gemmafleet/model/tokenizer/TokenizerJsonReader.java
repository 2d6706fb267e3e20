package io.gemmafleet.model.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reads a Hugging Face {@code tokenizer.json} with Jackson's streaming parser (the vocabulary and half a million
 * merges would be slow as a tree) and checks that the pipeline it declares is the one {@link HuggingFaceBpeEncoder}
 * implements: a BPE model, an optional single-string Replace normalizer, a Split pre-tokenizer that the normalizer
 * makes a no-op, and the Replace/ByteFallback/Fuse decoder. Anything else is rejected with the reason.
 */
final class TokenizerJsonReader {

    /** One entry of {@code added_tokens}. */
    record AddedToken(int id, String content, boolean special) {}

    /** What the file declares, resolved to ids. */
    record Definition(Vocabulary vocabulary, MergeTable merges, List<AddedToken> addedTokens,
                      String normalizerPattern, String normalizerReplacement,
                      boolean byteFallback, boolean fuseUnknown, int unknownId) {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private final List<String> pieces = new ArrayList<>();
    private final List<String> mergeLefts = new ArrayList<>();
    private final List<String> mergeRights = new ArrayList<>();
    private final List<AddedToken> addedTokens = new ArrayList<>();
    private JsonNode normalizer;
    private JsonNode preTokenizer;
    private JsonNode decoder;
    private JsonNode modelSettings = MAPPER.createObjectNode();
    private boolean sawModel;

    private TokenizerJsonReader(Path file) {
        this.file = file;
    }

    static Definition read(Path file) {
        try {
            return new TokenizerJsonReader(file).parse();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    private Definition parse() throws IOException {
        // Canonicalising field names pays off for repeated keys; here 262,144 vocabulary keys each occur once, and
        // canonicalising them triples the parse time.
        JsonFactory factory = JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();
        try (JsonParser p = factory.createParser(file.toFile())) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the file");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "model" -> readModel(p);
                    case "added_tokens" -> readAddedTokens(p);
                    case "normalizer" -> normalizer = MAPPER.readTree(p);
                    case "pre_tokenizer" -> preTokenizer = MAPPER.readTree(p);
                    case "decoder" -> decoder = MAPPER.readTree(p);
                    default -> p.skipChildren(); // truncation, padding, post_processor: the caller decides BOS
                }
            }
        }
        if (!sawModel) {
            throw unsupported("it has no \"model\"");
        }
        return resolve();
    }

    private void readModel(JsonParser p) throws IOException {
        sawModel = true;
        expect(p.currentToken(), JsonToken.START_OBJECT, "\"model\"");
        var settings = MAPPER.createObjectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "vocab" -> readVocab(p);
                case "merges" -> readMerges(p);
                default -> settings.set(name, MAPPER.readTree(p));
            }
        }
        modelSettings = settings;
    }

    private void readVocab(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT, "\"model.vocab\"");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String piece = p.currentName();
            p.nextToken();
            setPiece(p.getIntValue(), piece);
        }
    }

    private void readMerges(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY, "\"model.merges\"");
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                // The older format: "left right" in one string.
                String merge = p.getText();
                int space = merge.indexOf(' ');
                if (space < 0) {
                    throw unsupported("merge \"" + merge + "\" has no space between its two pieces");
                }
                mergeLefts.add(merge.substring(0, space));
                mergeRights.add(merge.substring(space + 1));
            } else {
                expect(p.currentToken(), JsonToken.START_ARRAY, "a merge");
                p.nextToken();
                mergeLefts.add(p.getText());
                p.nextToken();
                mergeRights.add(p.getText());
                expect(p.nextToken(), JsonToken.END_ARRAY, "a merge of two pieces");
            }
        }
    }

    private void readAddedTokens(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY, "\"added_tokens\"");
        while (p.nextToken() == JsonToken.START_OBJECT) {
            JsonNode token = MAPPER.readTree(p);
            String content = token.path("content").asText();
            for (String flag : List.of("lstrip", "rstrip", "single_word", "normalized")) {
                if (token.path(flag).asBoolean(false)) {
                    throw unsupported("added token \"" + content + "\" sets " + flag + ", which is not implemented");
                }
            }
            addedTokens.add(new AddedToken(token.path("id").asInt(), content, token.path("special").asBoolean()));
        }
    }

    private void setPiece(int id, String piece) {
        while (pieces.size() <= id) {
            pieces.add(null);
        }
        pieces.set(id, piece);
    }

    private Definition resolve() {
        JsonNode settings = modelSettings;
        if (!"BPE".equals(settings.path("type").asText("BPE"))) {
            throw unsupported("its model type is " + settings.path("type") + "; only BPE is implemented");
        }
        for (String absent : List.of("dropout", "continuing_subword_prefix", "end_of_word_suffix")) {
            if (!settings.path(absent).isMissingNode() && !settings.path(absent).isNull()) {
                throw unsupported("model." + absent + " is set, which is not implemented");
            }
        }
        if (settings.path("ignore_merges").asBoolean(false)) {
            throw unsupported("model.ignore_merges is true, which is not implemented");
        }
        for (AddedToken token : addedTokens) {
            // Added tokens may lie beyond the model's vocabulary (Gemma's <image_soft_token> does).
            if (token.id() >= pieces.size() || pieces.get(token.id()) == null) {
                setPiece(token.id(), token.content());
            } else if (!pieces.get(token.id()).equals(token.content())) {
                throw unsupported("added token " + token.id() + " \"" + token.content()
                        + "\" differs from the vocabulary's piece \"" + pieces.get(token.id()) + "\"");
            }
        }
        Vocabulary vocabulary = new Vocabulary(pieces.toArray(String[]::new));
        MergeTable merges = resolveMerges(vocabulary);
        String[] replace = normalizerReplacement();
        checkPreTokenizer(replace[0]);
        checkDecoder();
        String unknown = settings.path("unk_token").asText(null);
        int unknownId = unknown == null ? Vocabulary.NONE : vocabulary.id(unknown);
        return new Definition(vocabulary, merges, List.copyOf(addedTokens), replace[0], replace[1],
                settings.path("byte_fallback").asBoolean(false), settings.path("fuse_unk").asBoolean(false),
                unknownId);
    }

    /**
     * Resolves each merge (left, right) to ids, and to the id of left + right. The half million string lookups are
     * done in parallel (they dominate loading after the parse); the table is then filled in rank order.
     */
    private MergeTable resolveMerges(Vocabulary vocabulary) {
        int count = mergeLefts.size();
        int[] leftIds = new int[count];
        int[] rightIds = new int[count];
        int[] mergedIds = new int[count];
        IntStream.range(0, count).parallel().forEach(rank -> {
            leftIds[rank] = vocabulary.id(mergeLefts.get(rank));
            rightIds[rank] = vocabulary.id(mergeRights.get(rank));
            mergedIds[rank] = vocabulary.id(mergeLefts.get(rank) + mergeRights.get(rank));
        });
        MergeTable merges = new MergeTable(count);
        for (int rank = 0; rank < count; rank++) {
            if (leftIds[rank] < 0 || rightIds[rank] < 0 || mergedIds[rank] < 0) {
                throw unsupported("merge " + rank + " (\"" + mergeLefts.get(rank) + "\", \"" + mergeRights.get(rank)
                        + "\") names a piece that is not in the vocabulary");
            }
            merges.put(leftIds[rank], rightIds[rank], rank, mergedIds[rank]);
        }
        return merges;
    }

    /** {pattern, replacement} of a single-string Replace normalizer, or {null, null} without a normalizer. */
    private String[] normalizerReplacement() {
        if (normalizer == null || normalizer.isNull()) {
            return new String[] {null, null};
        }
        if (!"Replace".equals(normalizer.path("type").asText()) || !normalizer.path("pattern").has("String")) {
            throw unsupported("its normalizer is " + normalizer + "; only a Replace of a plain string is implemented");
        }
        return new String[] {normalizer.path("pattern").path("String").asText(), normalizer.path("content").asText()};
    }

    /** Gemma's Split on " " runs after " " was replaced, so it never splits: accept exactly that case. */
    private void checkPreTokenizer(String replacedByNormalizer) {
        if (preTokenizer == null || preTokenizer.isNull()) {
            return;
        }
        boolean noOpSplit = "Split".equals(preTokenizer.path("type").asText())
                && preTokenizer.path("pattern").has("String")
                && preTokenizer.path("pattern").path("String").asText().equals(replacedByNormalizer)
                && !preTokenizer.path("invert").asBoolean(false);
        if (!noOpSplit) {
            throw unsupported("its pre-tokenizer is " + preTokenizer + "; only a Split on the string the normalizer "
                    + "replaces (a no-op) is implemented");
        }
    }

    private void checkDecoder() {
        List<String> expected = List.of("Replace", "ByteFallback", "Fuse");
        List<String> actual = new ArrayList<>();
        if (decoder != null && "Sequence".equals(decoder.path("type").asText())) {
            decoder.path("decoders").forEach(d -> actual.add(d.path("type").asText()));
        }
        boolean replacesSpaceMarker = decoder != null
                && "\u2581".equals(decoder.path("decoders").path(0).path("pattern").path("String").asText())
                && " ".equals(decoder.path("decoders").path(0).path("content").asText());
        if (!actual.equals(expected) || !replacesSpaceMarker) {
            throw unsupported("its decoder is " + decoder + "; only Sequence[Replace(\"\u2581\" -> \" \"), "
                    + "ByteFallback, Fuse] is implemented");
        }
    }

    private static void expect(JsonToken actual, JsonToken expected, String what) throws IOException {
        if (actual != expected) {
            throw new IOException("malformed tokenizer.json: expected " + expected + " for " + what + ", found " + actual);
        }
    }

    private UnsupportedTokenizerException unsupported(String why) {
        return new UnsupportedTokenizerException("tokenizer file " + file + " is not supported: " + why);
    }

}
