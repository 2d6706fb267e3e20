package io.gemmafleet.sampling;

import java.util.List;

/**
 * How to choose each next token and when to stop, per request.
 *
 * @param temperature 0 selects greedy decoding (arg-max); otherwise logits are divided by it
 * @param topK keep only the k most likely tokens (0 = off)
 * @param topP keep the smallest set of most likely tokens whose probability reaches p (1 = off)
 * @param minP drop tokens less likely than {@code minP ×} the most likely one (0 = off)
 * @param repetitionPenalty Hugging Face/CTRL style, over prompt and generated tokens: positive logits divided by
 *     it, negative ones multiplied (1 = off)
 * @param presencePenalty OpenAI style: subtracted once from every token already generated (0 = off)
 * @param frequencyPenalty OpenAI style: subtracted per occurrence in the generated tokens (0 = off)
 * @param seed the random stream's seed: the same seed, prompt and parameters give the same output; null = random
 * @param maxTokens the most tokens to generate
 * @param stop strings that end generation; the text returned stops before the first one
 * @param logprobs how many most likely alternatives to report per generated token, with the chosen one (0 = off)
 */
public record SamplingParams(
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        Long seed,
        int maxTokens,
        List<String> stop,
        int logprobs) {

    public SamplingParams {
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        }
        if (logprobs < 0 || logprobs > 20) {
            throw new IllegalArgumentException("logprobs must be in [0, 20], got " + logprobs);
        }
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    /** Greedy decoding of up to {@code maxTokens} tokens, nothing else. */
    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 0, 1, 0, 1, 0, 0, null, maxTokens, List.of(), 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, seed, n, stop, logprobs);
    }
}
