package io.gemmafleet.model.tokenizer;

import java.util.Arrays;

/**
 * Turns ids back into text as Gemma 3's {@code tokenizer.json} decoder chain does: Replace("▁" → " "), then
 * ByteFallback, then Fuse. ByteFallback gathers each run of consecutive {@code <0xNN>} tokens; a run that is valid
 * UTF-8 becomes its text, and a run that is not becomes one U+FFFD per byte — the whole run, even if some of its
 * bytes formed valid characters (HF's {@code decoders/byte_fallback.rs}).
 */
final class PieceDecoder {

    private final Vocabulary vocabulary;

    PieceDecoder(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    String decode(int[] ids) {
        StringBuilder text = new StringBuilder(ids.length * 4);
        byte[] run = new byte[16];
        int runLength = 0;
        for (int id : ids) {
            String piece = vocabulary.piece(id); // rejects unknown ids; HF would silently drop them
            int b = vocabulary.byteValue(id);
            if (b >= 0) {
                if (runLength == run.length) {
                    run = Arrays.copyOf(run, runLength * 2);
                }
                run[runLength++] = (byte) b;
                continue;
            }
            appendRun(text, run, runLength);
            runLength = 0;
            text.append(piece.replace('\u2581', ' '));
        }
        appendRun(text, run, runLength);
        return text.toString();
    }

    static void appendRun(StringBuilder text, byte[] run, int length) {
        if (length == 0) {
            return;
        }
        if (Utf8.isValid(run, length)) {
            text.append(Utf8.decodeValid(run, length));
        } else {
            text.repeat('\uFFFD', length);
        }
    }
}
