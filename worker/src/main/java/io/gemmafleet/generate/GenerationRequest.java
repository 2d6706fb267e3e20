package io.gemmafleet.generate;

import io.gemmafleet.sampling.SamplingParams;

/**
 * One prompt to continue.
 *
 * @param id caller's id, echoed in callbacks and results; unique among the requests an engine holds
 * @param promptTokens the exact ids to feed (template and BOS already applied by the caller)
 * @param ignoreEndOfGeneration keep going past end-of-turn/eos tokens until {@code maxTokens} (benchmarks)
 * @param priority lower runs first (as vLLM's priority); among equals, earlier submissions first
 * @param deadlineNanos on the engine's nanosecond clock, when the request ends as {@link FinishReason#DEADLINE};
 *     {@link Long#MAX_VALUE} for none
 */
public record GenerationRequest(long id, int[] promptTokens, SamplingParams params, boolean ignoreEndOfGeneration,
                                int priority, long deadlineNanos) {

    public static final long NO_DEADLINE = Long.MAX_VALUE;

    public GenerationRequest {
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
    }

    public GenerationRequest(long id, int[] promptTokens, SamplingParams params, boolean ignoreEndOfGeneration) {
        this(id, promptTokens, params, ignoreEndOfGeneration, 0, NO_DEADLINE);
    }

    public GenerationRequest(long id, int[] promptTokens, SamplingParams params) {
        this(id, promptTokens, params, false);
    }

    /** Positions the request needs at most: its prompt and every token it may generate. */
    public int maxPositions() {
        return promptTokens.length + params.maxTokens();
    }
}
