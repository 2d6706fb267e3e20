package io.gemmafleet.backend;

/**
 * One sequence's share of a forward step: {@code tokens} are fed at positions {@code startPosition},
 * {@code startPosition + 1}, ... A prefill chunk carries many tokens, a decode step one.
 *
 * <p>The executor's cache for the sequence must hold exactly positions {@code 0 .. startPosition - 1} from earlier
 * steps; a smaller {@code startPosition} than the cache holds rolls the cache back (used to recompute).
 *
 * @param wantLogits whether the logits of the last token are needed (the end of a prompt, or a decode step)
 */
public record SequenceStep(long sequenceId, int startPosition, int[] tokens, boolean wantLogits) {

    public SequenceStep {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a sequence step needs at least one token");
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("negative start position " + startPosition);
        }
    }
}
