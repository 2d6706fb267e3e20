package io.gemmafleet.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Streaming output, chunk by chunk, against one-shot decoding. */
class StreamingDecoderTest {

    private final GemmaTokenizer tokenizer = ReferenceFiles.gemmaTokenizer();

    @Test
    void streamedCorpusConcatenatesToDecodeAndNeverSplitsACharacter() {
        for (String text : TokenizerCorpus.texts()) {
            int[] ids = tokenizer.encode(text, true);
            List<String> chunks = stream(ids);
            String expected = tokenizer.decode(ids);
            assertEquals(expected, String.join("", chunks), () -> GemmaTokenizerReferenceTest.describe(text));
            // Encoded text is well-formed (lone surrogates were replaced), so no chunk may hold half a pair.
            for (String chunk : chunks) {
                assertFalse(hasLoneSurrogate(chunk), () -> "chunk " + Arrays.toString(chunk.chars().toArray())
                        + " of " + GemmaTokenizerReferenceTest.describe(text));
            }
        }
    }

    @Test
    void holdsBackAnIncompleteByteSequenceUntilItCompletes() {
        int[] ids = bytePieces(0xF0, 0x9F, 0x8C, 0x8D); // U+1F30D as four byte-fallback tokens
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertEquals("", decoder.accept(ids[0]));
        assertEquals("", decoder.accept(ids[1]));
        assertEquals("", decoder.accept(ids[2]));
        assertEquals("", decoder.accept(ids[3]));
        int[] world = tokenizer.encode(" world", false);
        assertEquals(1, world.length);
        assertEquals("🌍 world", decoder.accept(world[0]));
        assertEquals("", decoder.finish());
    }

    @Test
    void emitsReplacementCharactersAsSoonAsARunCanNeverBeValid() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        int[] ids = bytePieces(0xE4, 0xBD, 0x41, 0xA0);
        assertEquals("", decoder.accept(ids[0]));
        assertEquals("", decoder.accept(ids[1]));
        assertEquals("\uFFFD\uFFFD\uFFFD", decoder.accept(ids[2])); // 0x41 cannot continue E4 BD
        assertEquals("\uFFFD", decoder.accept(ids[3]));
        assertEquals("", decoder.finish());
        assertEquals("\uFFFD".repeat(4), tokenizer.decode(ids));
    }

    @Test
    void finishFlushesAnIncompleteRun() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        int[] ids = bytePieces(0xE4, 0xBD);
        assertEquals("", decoder.accept(ids[0]) + decoder.accept(ids[1]));
        assertEquals("\uFFFD\uFFFD", decoder.finish());
    }

    @Test
    void randomIdSequencesStreamToTheirDecoding() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 2000; trial++) {
            int[] ids = new int[random.nextInt(1, 20)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(3) > 0 ? 238 + random.nextInt(256) : random.nextInt(tokenizer.vocabularySize());
            }
            assertEquals(tokenizer.decode(ids), String.join("", stream(ids)), Arrays.toString(ids));
        }
    }

    private List<String> stream(int[] ids) {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.accept(id));
        }
        chunks.add(decoder.finish());
        return chunks;
    }

    private int[] bytePieces(int... bytes) {
        int[] ids = Arrays.stream(bytes).map(b -> 238 + b).toArray(); // Gemma's <0x00> is id 238
        for (int i = 0; i < ids.length; i++) {
            assertEquals(String.format("<0x%02X>", bytes[i]), tokenizer.piece(ids[i]));
        }
        return ids;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
