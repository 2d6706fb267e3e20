package io.gemmafleet.model.tokenizer;

/**
 * The one input a Java string can hold that UTF-8 cannot: unpaired surrogates. Each becomes three U+FFFD, which is
 * what Hugging Face's tokenizer sees for it through DJL: the surrogate's 3-byte generalised-UTF-8 form (ED A0..BF
 * xx) decoded lossily, one replacement per maximal invalid subpart, as Rust's {@code String::from_utf8_lossy}
 * (and Python's {@code 'replace'} handler) do.
 */
final class LoneSurrogates {

    private static final String REPLACEMENT = "\uFFFD\uFFFD\uFFFD";

    private LoneSurrogates() {
    }

    static String replace(String text) {
        int first = firstLone(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 8).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(REPLACEMENT);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int firstLone(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
