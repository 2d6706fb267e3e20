package io.gemmafleet.schemas;

import java.util.List;

/**
 * Sampling parameters of a job as the client sent them; a null field means "the worker's default" (see
 * {@link #DEFAULTS}), so the wire format stays small and defaults can move without a schema change.
 */
public record Sampling(Double temperature, Integer topK, Double topP, Double minP, Double repetitionPenalty,
                       Double presencePenalty, Double frequencyPenalty, Long seed, Integer maxTokens,
                       List<String> stop) {

    /** Gemma 3's recommended sampling and a 256-token limit. */
    public static final Sampling DEFAULTS = new Sampling(1.0, 64, 0.95, 0.0, 1.0, 0.0, 0.0, null, 256, List.of());

    /** Greedy decoding of at most {@code maxTokens} tokens. */
    public static Sampling greedy(int maxTokens) {
        return new Sampling(0.0, 0, 1.0, 0.0, 1.0, 0.0, 0.0, null, maxTokens, List.of());
    }

    /** This sampling with every absent field taken from {@code defaults}. */
    public Sampling orDefaults(Sampling defaults) {
        return new Sampling(or(temperature, defaults.temperature), or(topK, defaults.topK), or(topP, defaults.topP),
                or(minP, defaults.minP), or(repetitionPenalty, defaults.repetitionPenalty),
                or(presencePenalty, defaults.presencePenalty), or(frequencyPenalty, defaults.frequencyPenalty),
                or(seed, defaults.seed), or(maxTokens, defaults.maxTokens), or(stop, defaults.stop));
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
