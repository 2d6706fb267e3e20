package io.gemmafleet.model.tokenizer;

import java.util.List;
import java.util.function.Supplier;

/**
 * Gemma 3's tokenizer: text to token ids and back, built from either a Hugging Face {@code tokenizer.json} (HF's
 * BPE with merge ranks) or a GGUF's SentencePiece vocabulary (llama.cpp's score-driven merging).
 *
 * <p>Encoding first splits out whole-token pieces — every added token of {@code tokenizer.json}, or the control,
 * user-defined and unknown pieces of a GGUF vocabulary — so special-token text such as {@code "<start_of_turn>"}
 * becomes its id (HF's default, llama.cpp's {@code parse_special = true}); the text between is encoded piecewise.
 * Unpaired surrogates in the input are read as three U+FFFD each, as the HF reference sees them (see
 * {@link LoneSurrogates}). Decoding follows HF's decoder, also for GGUF vocabularies.
 *
 * <p>Instances are immutable and thread-safe; encoding uses a per-thread working buffer.
 */
public final class GemmaTokenizer {

    private final Vocabulary vocabulary;
    private final SpecialTokenSplitter splitter;
    private final ThreadLocal<PieceEncoder> encoder;
    private final PieceDecoder decoder;
    private final int bosId;
    private final int eosId;
    private final int startOfTurnId;
    private final int endOfTurnId;

    private GemmaTokenizer(Vocabulary vocabulary, SpecialTokenSplitter splitter, Supplier<PieceEncoder> encoders,
                           int bosId, int eosId) {
        this.vocabulary = vocabulary;
        this.splitter = splitter;
        this.encoder = ThreadLocal.withInitial(encoders);
        this.decoder = new PieceDecoder(vocabulary);
        this.bosId = bosId;
        this.eosId = eosId;
        this.startOfTurnId = vocabulary.id("<start_of_turn>");
        this.endOfTurnId = vocabulary.id("<end_of_turn>");
    }

    /**
     * Builds the tokenizer a checkpoint declares.
     *
     * @throws UnsupportedTokenizerException if the file declares a model or pipeline this class does not implement
     * @throws java.io.UncheckedIOException  if the file cannot be read
     */
    public static GemmaTokenizer load(TokenizerSource source) {
        return switch (source) {
            case TokenizerSource.HuggingFaceFile file -> fromTokenizerJson(file);
            case TokenizerSource.GgufVocabulary gguf -> fromGguf(gguf);
        };
    }

    private static GemmaTokenizer fromTokenizerJson(TokenizerSource.HuggingFaceFile file) {
        TokenizerJsonReader.Definition definition = TokenizerJsonReader.read(file.tokenizerJson());
        Vocabulary vocabulary = definition.vocabulary();
        TokenTrie trie = new TokenTrie();
        definition.addedTokens().forEach(token -> trie.add(token.content(), token.id()));
        Supplier<PieceEncoder> encoders = () -> new HuggingFaceBpeEncoder(vocabulary, definition.merges(),
                definition.normalizerPattern(), definition.normalizerReplacement(), definition.byteFallback(),
                definition.fuseUnknown(), definition.unknownId());
        // tokenizer.json names BOS only in its post-processor template; Gemma's pieces are fixed, so ask by name.
        return new GemmaTokenizer(vocabulary, new LeftmostLongestSplitter(trie), encoders,
                vocabulary.id("<bos>"), vocabulary.id("<eos>"));
    }

    private static GemmaTokenizer fromGguf(TokenizerSource.GgufVocabulary gguf) {
        if (!"llama".equals(gguf.model())) {
            throw new UnsupportedTokenizerException("GGUF tokenizer model \"" + gguf.model() + "\" is not supported: "
                    + "only \"llama\" (SentencePiece pieces with scores, as Gemma's GGUF files use) is implemented");
        }
        int n = gguf.tokens().size();
        if (gguf.scores().length != n || gguf.tokenTypes().length != n) {
            throw new IllegalArgumentException("GGUF vocabulary has " + n + " tokens but " + gguf.scores().length
                    + " scores and " + gguf.tokenTypes().length + " token types");
        }
        Vocabulary vocabulary = new Vocabulary(gguf.tokens().toArray(String[]::new));
        if (!vocabulary.hasAllBytePieces() && !vocabulary.contains(gguf.unknownId())) {
            throw new UnsupportedTokenizerException("GGUF vocabulary has neither all 256 <0xNN> byte pieces nor a "
                    + "valid unknown-token id (" + gguf.unknownId() + "): characters outside it cannot be encoded");
        }
        TokenTrie trie = new TokenTrie();
        for (int id = 0; id < n; id++) {
            if (WHOLE_TOKEN_TYPES.contains(gguf.tokenTypes()[id])) {
                trie.add(gguf.tokens().get(id), id);
            }
        }
        float[] scores = gguf.scores();
        return new GemmaTokenizer(vocabulary, new LongestFirstSplitter(trie, vocabulary),
                () -> new SentencePieceEncoder(vocabulary, scores, gguf.unknownId()), gguf.bosId(), gguf.eosId());
    }

    /** llama.cpp's token types matched as whole pieces before merging: unknown (2), control (3), user-defined (4). */
    private static final List<Integer> WHOLE_TOKEN_TYPES = List.of(2, 3, 4);

    /** Token ids of {@code text}, preceded by {@code <bos>} if {@code addBos}. */
    public int[] encode(String text, boolean addBos) {
        IntList ids = new IntList(text.length() / 3 + 2);
        if (addBos) {
            ids.add(bosId);
        }
        PieceEncoder pieces = encoder.get();
        for (Segment segment : splitter.split(LoneSurrogates.replace(text))) {
            if (segment.isToken()) {
                ids.add(segment.tokenId());
            } else {
                pieces.encode(segment.text(), ids);
            }
        }
        return ids.toArray();
    }

    /**
     * The text of {@code ids}, special tokens included as their text. Invalid byte-fallback runs become U+FFFD
     * per byte, as HF decodes them; unlike HF, an id outside the vocabulary is an error rather than dropped.
     */
    public String decode(int[] ids) {
        return decoder.decode(ids);
    }

    /** A decoder for generated tokens, fed one id at a time. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(vocabulary);
    }

    /** The piece of an id exactly as the vocabulary spells it ({@code "▁world"}, {@code "<0x0A>"}). */
    public String piece(int id) {
        return vocabulary.piece(id);
    }

    /**
     * Number of token ids (highest id + 1), added tokens included: 262,145 for Gemma 3's {@code tokenizer.json},
     * whose {@code <image_soft_token>} (262144) lies beyond the 262,144 pieces of its BPE model.
     */
    public int vocabularySize() {
        return vocabulary.size();
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /** Id of {@code <start_of_turn>}, -1 if the vocabulary has none. */
    public int startOfTurnId() {
        return startOfTurnId;
    }

    /** Id of {@code <end_of_turn>}, -1 if the vocabulary has none. */
    public int endOfTurnId() {
        return endOfTurnId;
    }

    /** Whether generation stops at this token: {@code <eos>} or {@code <end_of_turn>}. */
    public boolean isEndOfGeneration(int id) {
        return id == eosId || (id == endOfTurnId && id >= 0);
    }
}
