package io.gemmafleet.model.tokenizer;

import java.util.List;

/** Finds the whole-token pieces (special and other added tokens) in input text before the rest is encoded. */
interface SpecialTokenSplitter {

    /** Splits {@code text} into token and plain-text segments, in order; empty text segments are left out. */
    List<Segment> split(String text);
}
