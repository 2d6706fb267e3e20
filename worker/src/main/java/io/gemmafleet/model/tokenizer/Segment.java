package io.gemmafleet.model.tokenizer;

/** A stretch of input after special tokens were split out: either one whole token, or plain text to encode. */
record Segment(int tokenId, String text) {

    static Segment token(int id) {
        return new Segment(id, null);
    }

    static Segment text(String text) {
        return new Segment(Vocabulary.NONE, text);
    }

    boolean isToken() {
        return text == null;
    }
}
