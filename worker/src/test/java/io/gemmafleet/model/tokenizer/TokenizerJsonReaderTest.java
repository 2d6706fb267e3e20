package io.gemmafleet.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small hand-written tokenizer.json files: the pipeline checks, and BPE details the real file never exercises. */
class TokenizerJsonReaderTest {

    @TempDir
    Path dir;

    private static final String PIPELINE = """
            "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
            "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": false},
            "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                        {"type": "ByteFallback"}, {"type": "Fuse"}]},
            """;

    @Test
    void mergesByRankAndFusesUnknownsWithoutByteFallback() throws IOException {
        GemmaTokenizer tokenizer = load(PIPELINE + """
                "added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 7, "content": "<x>", "special": false}],
                "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,
                  "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "bb": 4, "abb": 5, "\u2581": 6, "<x>": 7},
                  "merges": [["b", "b"], ["a", "b"], ["a", "bb"]]}
                """);
        // "abb": (b,b) has rank 0 so it goes first, then (a,bb); (a,b) never gets its turn.
        assertArrayEquals(new int[] {5}, tokenizer.encode("abb", false));
        assertArrayEquals(new int[] {3, 6, 0}, tokenizer.encode("ab zzz", false)); // three unknowns fuse into one
        assertArrayEquals(new int[] {0, 7, 1}, tokenizer.encode("zz<x>a", false));
        assertEquals("ab <unk>", tokenizer.decode(new int[] {3, 6, 0}));
    }

    @Test
    void rejectsOtherModelsWithTheReason() throws IOException {
        var error = assertThrows(UnsupportedTokenizerException.class, () -> load(PIPELINE + """
                "model": {"type": "WordPiece", "vocab": {"a": 0}}
                """));
        assertTrue(error.getMessage().contains("WordPiece") && error.getMessage().contains("only BPE"),
                error.getMessage());
    }

    @Test
    void rejectsAPreTokenizerThatWouldSplit() throws IOException {
        var error = assertThrows(UnsupportedTokenizerException.class, () -> load("""
                "pre_tokenizer": {"type": "Whitespace"},
                "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                            {"type": "ByteFallback"}, {"type": "Fuse"}]},
                "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}
                """));
        assertTrue(error.getMessage().contains("pre-tokenizer"), error.getMessage());
    }

    @Test
    void rejectsAddedTokensWithStripping() throws IOException {
        var error = assertThrows(UnsupportedTokenizerException.class, () -> load(PIPELINE + """
                "added_tokens": [{"id": 0, "content": "<mask>", "special": true, "lstrip": true}],
                "model": {"type": "BPE", "vocab": {"<mask>": 0}, "merges": []}
                """));
        assertTrue(error.getMessage().contains("lstrip"), error.getMessage());
    }

    private GemmaTokenizer load(String body) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{" + body + "}");
        return GemmaTokenizer.load(new TokenizerSource.HuggingFaceFile(file));
    }
}
