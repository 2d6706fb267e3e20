package io.gemmafleet.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Our tokenizer on the real Gemma 3 tokenizer.json against Hugging Face's Rust implementation (through DJL). */
class GemmaTokenizerReferenceTest {

    private final GemmaTokenizer ours = ReferenceFiles.gemmaTokenizer();
    private final HuggingFaceTokenizer reference = ReferenceFiles.djlTokenizer();

    @Test
    void encodesTheCorpusExactlyAsHuggingFace() {
        List<String> mismatches = new ArrayList<>();
        for (String text : TokenizerCorpus.texts()) {
            for (boolean addBos : new boolean[] {true, false}) {
                int[] expected = referenceIds(text, addBos);
                int[] actual = ours.encode(text, addBos);
                if (!Arrays.equals(expected, actual)) {
                    mismatches.add(describe(text) + " addBos=" + addBos + "\n  expected " + Arrays.toString(expected)
                            + "\n  actual   " + Arrays.toString(actual));
                }
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
    }

    @Test
    void decodesTheCorpusExactlyAsHuggingFace() {
        for (String text : TokenizerCorpus.texts()) {
            int[] ids = ours.encode(text, true);
            assertEquals(reference.decode(toLongs(ids), false), ours.decode(ids), () -> describe(text));
        }
    }

    @Test
    void decodesArbitraryIdSequencesExactlyAsHuggingFace() {
        // Generated ids need not form valid UTF-8: mix byte pieces (ids 238..493) with ordinary and special ids.
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            int[] ids = randomIds(random, ours.vocabularySize());
            assertEquals(reference.decode(toLongs(ids), false), ours.decode(ids), () -> Arrays.toString(ids));
        }
    }

    @Test
    void knownEncodingFromTheEngineeringNotesRoundTrips() {
        int[] known = {2, 9259, 1902, 236764, 43758, 237389, 236743, 244906};
        assertArrayEquals(known, ours.encode("Hello world, 你好 🌍", true));
        assertEquals("<bos>Hello world, 你好 🌍", ours.decode(known));
    }

    @Test
    void namedTokensAndVocabularySizeMatchTheFile() {
        assertEquals(2, ours.bosId());
        assertEquals(1, ours.eosId());
        assertEquals(105, ours.startOfTurnId());
        assertEquals(106, ours.endOfTurnId());
        assertEquals(reference.encode("<start_of_turn>", false, false).getIds()[0], ours.startOfTurnId());
        assertEquals(262_145, ours.vocabularySize());
        assertEquals("<image_soft_token>", ours.piece(262_144));
        assertEquals("▁world", ours.piece(1902));
        assertTrue(ours.isEndOfGeneration(1) && ours.isEndOfGeneration(106));
        assertTrue(!ours.isEndOfGeneration(105) && !ours.isEndOfGeneration(2));
    }

    @Test
    void loneSurrogateBecomesThreeReplacementCharactersAsTheReferenceSeesIt() {
        assertArrayEquals(ours.encode("a\uFFFD\uFFFD\uFFFDb", false), ours.encode("a\uD800b", false));
        // DJL hands such a string to Rust through JNI's modified UTF-8 and decodes it lossily as a whole, so it also
        // garbles the string's supplementary characters (🌍 becomes six U+FFFD). We keep 🌍; this documents the gap.
        assertNotEquals(Arrays.toString(referenceIds("🌍\uD800", false)),
                Arrays.toString(ours.encode("🌍\uD800", false)));
        assertArrayEquals(referenceIds("🌍", false), Arrays.copyOf(ours.encode("🌍\uD800", false), 1));
    }

    @Test
    void encodesLongTextsFast() {
        String text = TokenizerCorpus.randomWords(new SplittableRandom(3), 20_000); // ≈ 100 KB
        assertTrue(text.length() > 90_000, "text length " + text.length());
        ours.encode(text, true); // warm-up
        long start = System.nanoTime();
        int[] ids = ours.encode(text, true);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertArrayEquals(referenceIds(text, true), ids);
        // Not a speed claim (that belongs in a harness): a bound loose enough for a loaded 2-core VM that still
        // catches merging that turns quadratic in the text's length (100 KB encode in tens of ms here).
        assertTrue(millis < 5_000, "encoding " + text.length() + " chars took " + millis + " ms");
    }

    @Test
    void loadsTheRealTokenizerJsonInAFewSeconds() {
        long start = System.nanoTime();
        GemmaTokenizer fresh = GemmaTokenizer.load(new TokenizerSource.HuggingFaceFile(ReferenceFiles.tokenizerJson()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("loaded tokenizer.json (%d ids) in %d ms%n", fresh.vocabularySize(), millis);
        // ≈ 1–3 s here; the bound only catches a pathological load, with room for a loaded CI machine
        assertTrue(millis < 30_000, "loading took " + millis + " ms");
    }

    private int[] referenceIds(String text, boolean addBos) {
        return Arrays.stream(reference.encode(text, addBos, false).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    private static int[] randomIds(SplittableRandom random, int vocabularySize) {
        int[] ids = new int[random.nextInt(1, 12)];
        for (int i = 0; i < ids.length; i++) {
            int kind = random.nextInt(4);
            ids[i] = kind <= 1 ? 238 + random.nextInt(256)                     // byte pieces
                    : kind == 2 ? random.nextInt(vocabularySize)              // anything
                    : new int[] {1, 2, 105, 106, 236743, 138, 107}[random.nextInt(7)]; // specials, ▁, whitespace
        }
        return ids;
    }

    static long[] toLongs(int[] ids) {
        return Arrays.stream(ids).asLongStream().toArray();
    }

    static String describe(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().limit(60).forEach(c -> {
            if (c < 0x20 || (c >= 0x7F && c < 0xA0) || Character.isSurrogate((char) c) && c < 0x10000) {
                out.append(String.format("\\u%04X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(text.length() > 60 ? "…\" (" + text.length() + " chars)" : "\"").toString();
    }
}
