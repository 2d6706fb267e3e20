package io.gemmafleet.backend;

import java.util.List;

/**
 * One sequence's share of a forward step: {@code tokens} are fed at positions {@code startPosition},
 * {@code startPosition + 1}, ... A prefill chunk carries many tokens, a decode step one.
 *
 * <p>Positions {@code 0 .. startPosition - 1} must already be in the cache from earlier steps (or from blocks
 * shared with another sequence); a smaller {@code startPosition} than the cache holds rewrites the positions from
 * there (used to recompute).
 *
 * @param wantLogits whether the logits of the last token are needed (the end of a prompt, or a decode step)
 * @param blocks where the sequence's cache lives, for executors that page with the engine's block tables
 *     ({@link ModelExecutor#usesBlockTables()}); null for executors that keep each sequence's cache themselves.
 *     It covers every position up to {@code startPosition + tokens.length - 1}.
 * @param images the image spans that overlap this step's positions (their placeholder tokens are replaced by the
 *     spans' embeddings); empty for text. A step never ends inside a span.
 */
public record SequenceStep(long sequenceId, int startPosition, int[] tokens, boolean wantLogits,
                           KvBlockTable blocks, List<ImageSpan> images) {

    public SequenceStep {
        images = images == null ? List.of() : List.copyOf(images);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a sequence step needs at least one token");
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("negative start position " + startPosition);
        }
        int end = startPosition + tokens.length;
        for (ImageSpan span : images) {
            if (span.start() < end && span.end() > end) {
                throw new IllegalArgumentException("the step ends at position " + end + ", inside the image span "
                        + span.start() + ".." + (span.end() - 1) + ": an image's tokens attend to each other, so "
                        + "its span is fed whole");
            }
        }
    }

    /** A text step for an executor that keeps each sequence's cache itself. */
    public SequenceStep(long sequenceId, int startPosition, int[] tokens, boolean wantLogits) {
        this(sequenceId, startPosition, tokens, wantLogits, null, List.of());
    }

    /** A text step. */
    public SequenceStep(long sequenceId, int startPosition, int[] tokens, boolean wantLogits, KvBlockTable blocks) {
        this(sequenceId, startPosition, tokens, wantLogits, blocks, List.of());
    }

    /** The position after this step's last token: the sequence's length once the step has run. */
    public int endPosition() {
        return startPosition + tokens.length;
    }
}
