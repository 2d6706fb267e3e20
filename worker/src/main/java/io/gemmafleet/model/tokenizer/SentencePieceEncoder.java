package io.gemmafleet.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * llama.cpp's SentencePiece tokenizer for GGUF vocabularies of model {@code "llama"} ({@code llm_tokenizer_spm}):
 * spaces escaped to "▁", one symbol per code point, merges by piece score ({@link SentencePieceScores}), then every
 * surviving symbol that is not a piece written as its UTF-8 bytes through the {@code <0xNN>} pieces.
 *
 * <p>llama.cpp's {@code resegment} can also split a symbol back along its recorded merges; that path is only taken
 * for a merged symbol whose text is not a piece, which cannot happen here because merging requires the text to be
 * a piece. No space is prefixed: Gemma's GGUF files set {@code tokenizer.ggml.add_space_prefix = false}.
 */
final class SentencePieceEncoder implements PieceEncoder {

    private final Vocabulary vocabulary;
    private final int unknownId;
    private final BpeMerger merger;

    SentencePieceEncoder(Vocabulary vocabulary, float[] scores, int unknownId) {
        this.vocabulary = vocabulary;
        this.unknownId = unknownId;
        this.merger = new BpeMerger(new SentencePieceScores(vocabulary, scores));
    }

    @Override
    public void encode(String text, IntList out) {
        String escaped = text.replace(" ", "\u2581");
        merger.reset();
        for (int i = 0; i < escaped.length(); ) {
            int codePoint = escaped.codePointAt(i);
            int end = i + Character.charCount(codePoint);
            merger.add(vocabulary.idOfCodePoint(codePoint), i, end);
            i = end;
        }
        merger.mergeAll(escaped);
        for (int s = merger.first(); s >= 0; s = merger.next(s)) {
            int id = merger.id(s);
            if (id != Vocabulary.NONE) {
                out.add(id);
                continue;
            }
            // An unmerged character that is not a piece: its bytes, as llama.cpp's byte_to_token does.
            byte[] utf8 = escaped.substring(merger.start(s), merger.end(s)).getBytes(StandardCharsets.UTF_8);
            for (byte b : utf8) {
                int byteId = vocabulary.byteId(b & 0xFF);
                out.add(byteId != Vocabulary.NONE ? byteId : unknownId);
            }
        }
    }
}
