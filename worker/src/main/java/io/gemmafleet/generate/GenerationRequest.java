package io.gemmafleet.generate;

import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.sampling.SamplingParams;
import java.util.List;

/**
 * One prompt to continue.
 *
 * @param id caller's id, echoed in callbacks and results; unique among the requests an engine holds
 * @param promptTokens the exact ids to feed (template and BOS already applied by the caller)
 * @param ignoreEndOfGeneration keep going past end-of-turn/eos tokens until {@code maxTokens} (benchmarks)
 * @param priority lower runs first (as vLLM's priority); among equals, earlier submissions first
 * @param deadlineNanos on the engine's nanosecond clock, when the request ends as {@link FinishReason#DEADLINE};
 *     {@link Long#MAX_VALUE} for none
 * @param images the prompt's images: spans of placeholder tokens whose embeddings are given, in position order,
 *     none overlapping; empty for a text prompt
 */
public record GenerationRequest(long id, int[] promptTokens, SamplingParams params, boolean ignoreEndOfGeneration,
                                int priority, long deadlineNanos, List<ImageSpan> images) {

    public static final long NO_DEADLINE = Long.MAX_VALUE;

    public GenerationRequest {
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        images = images == null ? List.of() : List.copyOf(images);
        int previousEnd = 0;
        for (ImageSpan span : images) {
            if (span.start() < previousEnd || span.end() > promptTokens.length) {
                throw new IllegalArgumentException("image span " + span.start() + ".." + (span.end() - 1)
                        + " overlaps another or lies outside the prompt of " + promptTokens.length + " tokens");
            }
            previousEnd = span.end();
        }
    }

    /** A text request. */
    public GenerationRequest(long id, int[] promptTokens, SamplingParams params, boolean ignoreEndOfGeneration,
                             int priority, long deadlineNanos) {
        this(id, promptTokens, params, ignoreEndOfGeneration, priority, deadlineNanos, List.of());
    }

    public GenerationRequest(long id, int[] promptTokens, SamplingParams params, boolean ignoreEndOfGeneration) {
        this(id, promptTokens, params, ignoreEndOfGeneration, 0, NO_DEADLINE);
    }

    public GenerationRequest(long id, int[] promptTokens, SamplingParams params) {
        this(id, promptTokens, params, false);
    }

    /** The most tokens one step of this request must feed together: its longest image (0 for text). */
    public int longestImage() {
        int longest = 0;
        for (ImageSpan span : images) {
            longest = Math.max(longest, span.length());
        }
        return longest;
    }

    /** Positions the request needs at most: its prompt and every token it may generate. */
    public int maxPositions() {
        return promptTokens.length + params.maxTokens();
    }
}
