package io.gemmafleet.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GGUF path (llama.cpp's SentencePiece algorithm) on a vocabulary built from the real tokenizer.json the way
 * llama.cpp's converter labels pieces, compared with the HF path. Scores are -id for ordinary pieces (Gemma's pieces
 * are ordered by SentencePiece score, which is what HF's merge ranks were derived from) and 0 for the others.
 *
 * <p>The two algorithms differ in principle: llama.cpp merges any adjacent pair whose concatenation is a piece,
 * while HF merges only pairs on its merge list; and llama.cpp splits special tokens longest-first over the whole
 * text, HF leftmost-longest. For Gemma 3 neither shows: its merge list holds every two-piece split of every piece,
 * ranked by the merged piece's score, and its whole-token pieces do not overlap in ways where the two splitting
 * orders disagree. No disagreement was found on the corpus nor on a few thousand random texts.
 */
class GgufVocabularyTokenizerTest {

    private static GemmaTokenizer huggingFace;
    private static GemmaTokenizer gguf;

    @BeforeAll
    static void load() {
        huggingFace = ReferenceFiles.gemmaTokenizer();
        gguf = GemmaTokenizer.load(ggufVocabularyFrom(huggingFace));
    }

    static TokenizerSource.GgufVocabulary ggufVocabularyFrom(GemmaTokenizer hf) {
        TokenizerJsonReader.Definition definition = TokenizerJsonReader.read(ReferenceFiles.tokenizerJson());
        Set<Integer> special = definition.addedTokens().stream().filter(TokenizerJsonReader.AddedToken::special)
                .map(TokenizerJsonReader.AddedToken::id).collect(Collectors.toSet());
        Set<Integer> added = definition.addedTokens().stream().map(TokenizerJsonReader.AddedToken::id)
                .collect(Collectors.toSet());
        int n = hf.vocabularySize();
        List<String> tokens = new ArrayList<>(n);
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String piece = hf.piece(id);
            tokens.add(piece);
            types[id] = special.contains(id) ? 3 : added.contains(id) ? 4 : Vocabulary.parseBytePiece(piece) >= 0 ? 6 : 1;
            scores[id] = types[id] == 1 ? -id : 0f;
        }
        return new TokenizerSource.GgufVocabulary("llama", tokens, scores, types, 2, 1, 3, 0);
    }

    @Test
    void agreesWithTheHuggingFacePathOnTheCorpus() {
        List<String> texts = TokenizerCorpus.texts();
        List<String> differences = new ArrayList<>();
        for (String text : texts) {
            int[] expected = huggingFace.encode(text, true);
            int[] actual = gguf.encode(text, true);
            if (!Arrays.equals(expected, actual)) {
                differences.add(GemmaTokenizerReferenceTest.describe(text) + "\n  hf   " + Arrays.toString(expected)
                        + "\n  gguf " + Arrays.toString(actual));
            }
        }
        System.out.printf("GGUF/SPM path agrees with HF BPE on %d of %d corpus texts%n",
                texts.size() - differences.size(), texts.size());
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Test
    void agreesOnRandomText() {
        SplittableRandom random = new SplittableRandom(99);
        for (int i = 0; i < 300; i++) {
            String text = i % 2 == 0 ? TokenizerCorpus.randomUnicode(random, 200) : TokenizerCorpus.randomWords(random, 60);
            assertArrayEquals(huggingFace.encode(text, false), gguf.encode(text, false),
                    GemmaTokenizerReferenceTest.describe(text));
        }
    }

    @Test
    void decodesAndNamesTokensLikeTheHuggingFacePath() {
        int[] ids = gguf.encode("<start_of_turn>user\nHi 🌍<end_of_turn>", true);
        assertEquals("<bos><start_of_turn>user\nHi 🌍<end_of_turn>", gguf.decode(ids));
        assertEquals(105, gguf.startOfTurnId());
        assertEquals(106, gguf.endOfTurnId());
        assertTrue(gguf.isEndOfGeneration(1) && gguf.isEndOfGeneration(106));
    }

    @Test
    void rejectsOtherGgufTokenizerModels() {
        var bpe = new TokenizerSource.GgufVocabulary("gpt2", List.of("a"), new float[1], new int[] {1}, 0, 0, 0, 0);
        var error = assertThrows(UnsupportedTokenizerException.class, () -> GemmaTokenizer.load(bpe));
        assertTrue(error.getMessage().contains("\"gpt2\"") && error.getMessage().contains("\"llama\""),
                error.getMessage());
    }
}
