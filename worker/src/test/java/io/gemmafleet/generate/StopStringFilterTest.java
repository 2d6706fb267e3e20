package io.gemmafleet.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link StopStringFilter}: what is streamed is always a prefix of the final text (so never the start of a stop
 * string that later completes), the final text ends before the first stop string, little is held back, and
 * surrogate pairs stay whole.
 */
class StopStringFilterTest {

    /** Feeds chunks like the generator does; records every release. */
    private static final class Stream {
        final StopStringFilter filter;
        final List<String> releases = new ArrayList<>();
        final StringBuilder released = new StringBuilder();
        final StringBuilder fed = new StringBuilder();

        Stream(String... stops) {
            filter = new StopStringFilter(List.of(stops));
        }

        String append(String chunk) {
            fed.append(chunk);
            return record(filter.append(chunk));
        }

        String flush() {
            return record(filter.flush());
        }

        private String record(String out) {
            releases.add(out);
            released.append(out);
            return out;
        }
    }

    @Test
    void noStopStringsReleasesEverythingAtOnce() {
        Stream s = new Stream();
        for (String chunk : List.of("Hello", ",", " world", "\n", "😀", "")) {
            assertEquals(chunk, s.append(chunk));
        }
        assertEquals("", s.flush());
        assertFalse(s.filter.stopped());
        assertEquals("Hello, world\n😀", s.filter.text());
    }

    @Test
    void textIsReleasedWholeWhenTheStopStringNeverCompletes() {
        Stream s = new Stream("STOP");
        s.append("ST");
        s.append("OOP");
        assertEquals("ST", s.released.toString()); // the last 3 characters could still begin "STOP"
        s.flush();
        assertFalse(s.filter.stopped());
        assertEquals("STOOP", s.released.toString());
        assertEquals("STOOP", s.filter.text());
    }

    @Test
    void stopStringCompletedByALaterChunkCutsTheText() {
        Stream s = new Stream("STOP");
        s.append("no stop ");
        s.append("STO");
        s.append("P is not STOp");
        assertTrue(s.filter.stopped());
        assertEquals("no stop ", s.filter.text());
        assertEquals("no stop ", s.released.toString());
    }

    @Test
    void stopStringSplitAcrossManyChunksIsNeverReleased() {
        Stream s = new Stream("<|stop|>");
        for (char c : "answer: 42<|stop|> and more".toCharArray()) {
            String out = s.append(String.valueOf(c));
            assertFalse(out.contains("<"), "released part of the stop string: " + s.releases);
        }
        assertTrue(s.filter.stopped());
        assertEquals("answer: 42", s.filter.text());
        assertEquals("answer: 42", s.released.toString());
        assertEquals("", s.flush());
    }

    @Test
    void aFalseStartIsReleasedOnceItCannotBeAStopString() {
        Stream s = new Stream("<|stop|>");
        s.append("a <|st");
        assertEquals("", s.released.toString()); // all 6 characters could begin "<|stop|>" or precede it
        s.append("ep|> b");
        assertEquals("a <|s", s.released.toString()); // only the last 7 characters are held back
        s.flush();
        assertEquals("a <|step|> b", s.released.toString());
    }

    @Test
    void textIsCutBeforeTheEarliestOfSeveralStopStrings() {
        Stream s = new Stream("END", "\n\n", "###");
        s.append("hello ## wor");
        s.append("ld\n");
        s.append("\nmore ### END");
        assertTrue(s.filter.stopped());
        assertEquals("hello ## world", s.filter.text());
        assertEquals("hello ## world", s.released.toString());

        // all in one chunk: the earliest one wins whatever the order of the list
        Stream t = new Stream("later", "early");
        t.append("an early and a later stop");
        assertEquals("an ", t.filter.text());
        assertEquals("an ", t.released.toString());
    }

    @Test
    void nothingIsReleasedAfterTheStop() {
        Stream s = new Stream("x");
        s.append("abxcd");
        assertEquals("ab", s.released.toString());
        assertEquals("", s.append("more text"));
        assertEquals("", s.flush());
        assertEquals("ab", s.filter.text());
    }

    /**
     * Random texts with stop strings planted in them, fed in random chunks: at every moment the released text is a
     * prefix of the final text, at most {@code longest stop − 1} characters are held back (one more to keep a
     * surrogate pair whole), and the final text is the text before the first stop string seen.
     */
    @Test
    void randomStreamsReleaseOnlyPrefixesOfTheFinalText() {
        SplittableRandom random = new SplittableRandom(42);
        String alphabet = "abc <|>\n😀é";
        List<List<String>> stopSets = List.of(List.of("<|>"), List.of("ab", "c <", "\n\n"), List.of("😀a", "bbbb"),
                List.of("a"), List.of("|>\n", "abcabc", "é😀"));
        int stoppedRuns = 0;
        for (int run = 0; run < 2000; run++) {
            List<String> stops = stopSets.get(run % stopSets.size());
            String text = randomText(random, alphabet, 1 + random.nextInt(40));
            List<String> chunks = randomChunks(random, text);
            int holdBack = stops.stream().mapToInt(String::length).max().orElseThrow() - 1;

            Stream s = new Stream(stops.toArray(String[]::new));
            String expected = null;
            for (String chunk : chunks) {
                s.append(chunk);
                if (expected == null) {
                    expected = cutAtFirstStop(s.fed.toString(), stops);
                }
                String released = s.released.toString();
                String context = "stops " + stops + ", chunks " + chunks;
                if (expected != null) {
                    assertEquals(expected, released, context);
                    assertTrue(s.filter.stopped(), context);
                } else {
                    assertTrue(s.fed.toString().startsWith(released), context);
                    int held = s.fed.length() - released.length();
                    boolean pairKept = held == holdBack + 1
                            && Character.isHighSurrogate(s.fed.charAt(released.length()));
                    assertTrue(held <= holdBack || pairKept, "held back " + held + " chars; " + context);
                }
                assertWellFormed(s.releases.getLast(), context);
            }
            s.flush();
            assertWellFormed(s.releases.getLast(), "flush");
            String result = expected != null ? expected : s.fed.toString();
            assertEquals(result, s.released.toString(), "chunks " + chunks + ", stops " + stops);
            assertEquals(result, s.filter.text());
            for (String stop : stops) {
                assertFalse(result.contains(stop), "the result contains the stop string " + stop);
            }
            stoppedRuns += expected != null ? 1 : 0;
        }
        assertTrue(stoppedRuns > 200 && stoppedRuns < 1800, "both outcomes should be common: " + stoppedRuns);
    }

    @Test
    void surrogatePairsAreNeverSplit() {
        // hold-back of 2 characters would cut "😀" (two chars) in half at several points
        Stream s = new Stream("xyz");
        for (String chunk : List.of("ab😀", "c", "😀", "😀", "d", "😀😀", "e")) {
            s.append(chunk);
            assertWellFormed(s.releases.getLast(), s.releases.toString());
        }
        s.flush();
        assertWellFormed(s.releases.getLast(), s.releases.toString());
        assertEquals("ab😀c😀😀d😀😀e", s.released.toString());

        // a stop string right after an emoji cuts after the whole pair
        Stream t = new Stream("ok");
        t.append("😀");
        t.append("o");
        t.append("k😀");
        assertEquals("😀", t.released.toString());
        assertEquals("😀", t.filter.text());
    }

    /** The text before the earliest stop string in {@code fed} (all fed so far), or null if there is none. */
    private static String cutAtFirstStop(String fed, List<String> stops) {
        int cut = -1;
        for (String stop : stops) {
            int at = fed.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut < 0 ? null : fed.substring(0, cut);
    }

    private static String randomText(SplittableRandom random, String alphabet, int codePoints) {
        int[] cps = alphabet.codePoints().toArray();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            b.appendCodePoint(cps[random.nextInt(cps.length)]);
        }
        return b.toString();
    }

    /** Splits at code-point boundaries (as the streaming decoder emits whole characters), sometimes empty chunks. */
    private static List<String> randomChunks(SplittableRandom random, String text) {
        List<String> chunks = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int n = random.nextInt(4); // code points in this chunk, 0..3
            int end = at;
            for (int i = 0; i < n && end < text.length(); i++) {
                end += Character.charCount(text.codePointAt(end));
            }
            chunks.add(text.substring(at, end));
            at = end;
        }
        return chunks;
    }

    private static void assertWellFormed(String piece, String context) {
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(i + 1)),
                        "high surrogate without its pair in \"" + piece + "\"; " + context);
                i++;
            } else {
                assertFalse(Character.isLowSurrogate(c), "lone low surrogate in \"" + piece + "\"; " + context);
            }
        }
    }
}
