package io.gemmafleet.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The one place tests get the real Gemma 3 tokenizer from: its files, and each loaded once per test JVM. */
public final class ReferenceFiles {

    private static GemmaTokenizer ours;
    private static HuggingFaceTokenizer reference;

    private ReferenceFiles() {
    }

    public static Path tokenizerJson() {
        return BundledTokenizerFiles.tokenizerJson();
    }

    public static Path tokenizerConfigJson() {
        return BundledTokenizerFiles.tokenizerConfigJson();
    }

    /** Our tokenizer on the real tokenizer.json. */
    public static synchronized GemmaTokenizer gemmaTokenizer() {
        if (ours == null) {
            ours = GemmaTokenizer.load(new TokenizerSource.HuggingFaceFile(tokenizerJson()));
        }
        return ours;
    }

    /** Hugging Face's Rust tokenizer through DJL, truncation off (DJL truncates to 512 tokens by default). */
    public static synchronized HuggingFaceTokenizer djlTokenizer() {
        if (reference == null) {
            try {
                reference = HuggingFaceTokenizer.builder()
                        .optTokenizerPath(tokenizerJson())
                        .optTruncation(false)
                        .optPadding(false)
                        .build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reference;
    }
}
