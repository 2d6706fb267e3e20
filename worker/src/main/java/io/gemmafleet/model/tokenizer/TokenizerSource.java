package io.gemmafleet.model.tokenizer;

import java.nio.file.Path;
import java.util.List;

/** Where a checkpoint's tokenizer comes from: a Hugging Face {@code tokenizer.json}, or a GGUF's own vocabulary. */
public sealed interface TokenizerSource {

    /** A Hugging Face {@code tokenizer.json} file. */
    record HuggingFaceFile(Path tokenizerJson) implements TokenizerSource {}

    /**
     * The vocabulary llama.cpp's converter embeds in a GGUF ({@code tokenizer.ggml.*}, model {@code "llama"}, i.e.
     * SentencePiece-style pieces with scores). {@code tokenTypes} uses llama.cpp's codes: 1 normal, 2 unknown,
     * 3 control, 4 user-defined, 5 unused, 6 byte.
     */
    record GgufVocabulary(String model, List<String> tokens, float[] scores, int[] tokenTypes,
                          int bosId, int eosId, int unknownId, int paddingId) implements TokenizerSource {}
}
