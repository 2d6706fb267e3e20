package io.gemmafleet.model.tokenizer;

/**
 * Hugging Face's BPE model as Gemma 3's {@code tokenizer.json} configures it: the normalizer's replacement (" " →
 * "▁"), every code point as a symbol (or its UTF-8 bytes as {@code <0xNN>} symbols when the code point is not a
 * piece: byte fallback), then merges by rank. Follows {@code tokenizers/src/models/bpe/model.rs}
 * ({@code merge_word}) and {@code word.rs} ({@code merge_all}).
 *
 * <p>The pre-tokenizer of the file splits on " ", which the normalizer has just replaced, so every segment is a
 * single word; {@link TokenizerJsonReader} checks that the file declares exactly that.
 */
final class HuggingFaceBpeEncoder implements PieceEncoder {

    private final Vocabulary vocabulary;
    private final String normalizerPattern;
    private final String normalizerReplacement;
    private final boolean byteFallback;
    private final boolean fuseUnknown;
    private final int unknownId;
    private final BpeMerger merger;
    private final IntList fallbackBytes = new IntList(4);

    HuggingFaceBpeEncoder(Vocabulary vocabulary, MergeTable merges, String normalizerPattern,
                          String normalizerReplacement, boolean byteFallback, boolean fuseUnknown, int unknownId) {
        this.vocabulary = vocabulary;
        this.normalizerPattern = normalizerPattern;
        this.normalizerReplacement = normalizerReplacement;
        this.byteFallback = byteFallback;
        this.fuseUnknown = fuseUnknown;
        this.unknownId = unknownId;
        this.merger = new BpeMerger(merges);
    }

    @Override
    public void encode(String text, IntList out) {
        String word = normalizerPattern == null ? text : text.replace(normalizerPattern, normalizerReplacement);
        merger.reset();
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int codePoint = word.codePointAt(i);
            int end = i + Character.charCount(codePoint);
            int id = vocabulary.idOfCodePoint(codePoint);
            if (id == Vocabulary.NONE && byteFallback) {
                fallbackBytes.clear();
                if (vocabulary.appendByteIds(codePoint, fallbackBytes)) {
                    // Byte symbols never merge in practice (no merge names a <0xNN> piece), so their spans are moot.
                    for (int b = 0; b < fallbackBytes.size(); b++) {
                        merger.add(fallbackBytes.get(b), i, end);
                    }
                    previousUnknown = false;
                    i = end;
                    continue;
                }
            }
            if (id == Vocabulary.NONE) {
                if (unknownId == Vocabulary.NONE) {
                    throw new IllegalStateException("character U+" + Integer.toHexString(codePoint).toUpperCase()
                            + " is not in the vocabulary and the tokenizer has neither byte fallback nor <unk>");
                }
                if (!(fuseUnknown && previousUnknown)) {
                    merger.add(unknownId, i, end);
                }
                previousUnknown = true;
            } else {
                merger.add(id, i, end);
                previousUnknown = false;
            }
            i = end;
        }
        merger.mergeAll(word);
        for (int s = merger.first(); s >= 0; s = merger.next(s)) {
            out.add(merger.id(s));
        }
    }
}
