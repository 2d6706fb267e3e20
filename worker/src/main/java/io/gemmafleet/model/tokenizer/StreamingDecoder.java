package io.gemmafleet.model.tokenizer;

import java.util.Arrays;

/**
 * Decodes generated tokens one at a time into text that can be shown immediately, without ever showing half a
 * character: the concatenation of everything {@link #accept} and {@link #finish} return equals
 * {@link GemmaTokenizer#decode} of all the ids.
 *
 * <p>Byte-fallback tokens are held back while their run is still a valid UTF-8 prefix, because under HF's decoding
 * a later invalid byte in the same run turns the whole run into U+FFFD (see {@link PieceDecoder}). As soon as the
 * run can no longer be valid its bytes are final — one U+FFFD each — and are emitted at once, as is every further
 * byte of that run. A held run is released by the next ordinary token, or by {@link #finish}. Not thread-safe.
 */
public final class StreamingDecoder {

    private final Vocabulary vocabulary;
    private byte[] run = new byte[8];
    private int runLength;
    /** The current byte run can never be valid; its bytes have been emitted as U+FFFD. */
    private boolean runBroken;

    StreamingDecoder(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    /** Feeds the next generated id; returns the text that became final with it (often empty). */
    public String accept(int id) {
        String piece = vocabulary.piece(id);
        int b = vocabulary.byteValue(id);
        if (b < 0) {
            StringBuilder text = new StringBuilder();
            releaseRun(text);
            return text.append(piece.replace('\u2581', ' ')).toString();
        }
        if (runBroken) {
            return "\uFFFD";
        }
        if (runLength == run.length) {
            run = Arrays.copyOf(run, runLength * 2);
        }
        run[runLength++] = (byte) b;
        if (Utf8.isValidPrefix(run, runLength)) {
            return "";
        }
        String replaced = "\uFFFD".repeat(runLength);
        runLength = 0;
        runBroken = true;
        return replaced;
    }

    /** Ends the stream: returns whatever was held back (an incomplete run becomes U+FFFD per byte) and resets. */
    public String finish() {
        StringBuilder text = new StringBuilder();
        releaseRun(text);
        return text.toString();
    }

    private void releaseRun(StringBuilder text) {
        PieceDecoder.appendRun(text, run, runLength);
        runLength = 0;
        runBroken = false;
    }
}
