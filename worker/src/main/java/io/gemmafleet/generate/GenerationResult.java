package io.gemmafleet.generate;

import io.gemmafleet.sampling.TokenLogprob;
import java.util.List;

/**
 * What one request produced.
 *
 * @param tokenIds every generated id, including a final end-of-generation token
 * @param text the decoded text, without the end-of-generation token and cut before a stop string
 * @param logprobs per generated token when the request asked for them, else empty
 * @param prefillNanos from the start of the batch to this request's first generated token
 * @param decodeNanos from the first generated token to the last
 */
public record GenerationResult(long id, int[] tokenIds, String text, FinishReason finishReason, int promptTokens,
                               List<TokenLogprob> logprobs, long prefillNanos, long decodeNanos) {

    /** Prompt tokens per second of prefill. */
    public double prefillTokensPerSecond() {
        return promptTokens / (prefillNanos / 1e9);
    }

    /** Generated tokens per second after the first (the first comes out of prefill). */
    public double decodeTokensPerSecond() {
        return tokenIds.length <= 1 || decodeNanos == 0 ? 0 : (tokenIds.length - 1) / (decodeNanos / 1e9);
    }
}
