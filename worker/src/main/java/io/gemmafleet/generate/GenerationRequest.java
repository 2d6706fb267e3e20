package io.gemmafleet.generate;

import io.gemmafleet.sampling.SamplingParams;

/**
 * One prompt to continue.
 *
 * @param id caller's id, echoed in callbacks; also the executor's sequence id, so unique among running requests
 * @param promptTokens the exact ids to feed (template and BOS already applied by the caller)
 * @param ignoreEndOfGeneration keep going past end-of-turn/eos tokens until {@code maxTokens} (benchmarks)
 */
public record GenerationRequest(long id, int[] promptTokens, SamplingParams params, boolean ignoreEndOfGeneration) {

    public GenerationRequest {
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
    }

    public GenerationRequest(long id, int[] promptTokens, SamplingParams params) {
        this(id, promptTokens, params, false);
    }
}
