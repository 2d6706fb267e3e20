package io.gemmafleet.model.tokenizer;

/** Turns a piece of plain text (no special tokens left in it) into token ids: the "model" step of a tokenizer. */
interface PieceEncoder {

    /** Appends the ids of {@code text} to {@code out}. Not thread-safe: each thread needs its own instance. */
    void encode(String text, IntList out);
}
