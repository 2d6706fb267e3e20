package io.gemmafleet.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 checks as Rust's {@code std::str::from_utf8} applies them (no overlongs, no surrogates, nothing above
 * U+10FFFF), which decide how Hugging Face's ByteFallback decoder treats a run of byte tokens.
 */
final class Utf8 {

    private Utf8() {
    }

    /** Whether {@code bytes[0, length)} is valid UTF-8. */
    static boolean isValid(byte[] bytes, int length) {
        int i = 0;
        while (i < length) {
            int sequence = validSequenceLength(bytes, i, length);
            if (sequence <= 0) {
                return false;
            }
            i += sequence;
        }
        return true;
    }

    /**
     * Whether {@code bytes[0, length)} can still become valid UTF-8 by appending bytes: complete characters
     * followed by at most one incomplete but so far well-formed character.
     */
    static boolean isValidPrefix(byte[] bytes, int length) {
        int i = 0;
        while (i < length) {
            int sequence = validSequenceLength(bytes, i, length);
            if (sequence == 0) {
                return true; // well-formed so far, cut off by the end of the input
            }
            if (sequence < 0) {
                return false;
            }
            i += sequence;
        }
        return true;
    }

    /**
     * Length of the valid character starting at {@code i}; 0 if it is well-formed but cut off by {@code length};
     * -1 if it is malformed.
     */
    private static int validSequenceLength(byte[] bytes, int i, int length) {
        int b0 = bytes[i] & 0xFF;
        int needed;
        int min2 = 0x80;
        int max2 = 0xBF; // allowed range of the second byte
        if (b0 < 0x80) {
            return 1;
        } else if (b0 >= 0xC2 && b0 <= 0xDF) {
            needed = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            needed = 3;
            if (b0 == 0xE0) {
                min2 = 0xA0; // overlong below U+0800
            } else if (b0 == 0xED) {
                max2 = 0x9F; // UTF-16 surrogates U+D800..U+DFFF
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            needed = 4;
            if (b0 == 0xF0) {
                min2 = 0x90; // overlong below U+10000
            } else if (b0 == 0xF4) {
                max2 = 0x8F; // above U+10FFFF
            }
        } else {
            return -1; // continuation byte, C0/C1 (always overlong) or F5..FF
        }
        for (int k = 1; k < needed; k++) {
            if (i + k >= length) {
                return 0;
            }
            int b = bytes[i + k] & 0xFF;
            int min = k == 1 ? min2 : 0x80;
            int max = k == 1 ? max2 : 0xBF;
            if (b < min || b > max) {
                return -1;
            }
        }
        return needed;
    }

    /** Decodes bytes already checked by {@link #isValid}. */
    static String decodeValid(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
