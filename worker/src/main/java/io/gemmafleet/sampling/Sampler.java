package io.gemmafleet.sampling;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses one sequence's next tokens from logits, applying, in order: repetition/presence/frequency penalties,
 * temperature, then top-k, top-p and min-p truncation, then a draw from the seeded random stream.
 *
 * <p>One sampler per sequence: it remembers the tokens seen (for the penalties) and owns the random stream, so
 * the same seed gives the same tokens whatever else shares the batch.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private final Map<Integer, Integer> generatedCounts = new HashMap<>();
    private final java.util.BitSet seen = new java.util.BitSet();

    public Sampler(SamplingParams params, int[] promptTokens) {
        this.params = params;
        this.random = params.seed() != null ? new SplittableRandom(params.seed()) : new SplittableRandom();
        for (int t : promptTokens) {
            seen.set(t);
        }
    }

    /**
     * The choice for a device sampler to make for this sequence's next token, consuming one number of the random
     * stream as {@link #sample} would. Only for requests without penalties (the device sees raw logits).
     */
    public TokenChoice nextChoice() {
        return params.isGreedy() ? TokenChoice.greedy() : TokenChoice.of(params, random.nextDouble());
    }

    /** Records a token that joined the sequence without being sampled here (e.g. forced). */
    public void accept(int token) {
        seen.set(token);
        generatedCounts.merge(token, 1, Integer::sum);
    }

    /** Picks the next token from {@code logits} (which it may modify) and records it. */
    public int sample(float[] logits) {
        applyPenalties(logits);
        int token = params.isGreedy() ? argMax(logits) : draw(logits);
        accept(token);
        return token;
    }

    /** Log-probabilities of the raw logits, for reporting: computed before {@link #sample} alters them. */
    public static TokenLogprob logprobOf(float[] rawLogits, int chosen, int alternatives) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : rawLogits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : rawLogits) {
            sum += Math.exp(l - max);
        }
        double logZ = max + Math.log(sum);
        List<TokenLogprob.Alternative> top = new ArrayList<>(alternatives);
        ProbabilityHeap heap = new ProbabilityHeap(rawLogits);
        for (int i = 0; i < alternatives && heap.size() > 0; i++) {
            int t = heap.pop();
            top.add(new TokenLogprob.Alternative(t, (float) (rawLogits[t] - logZ)));
        }
        return new TokenLogprob(chosen, (float) (rawLogits[chosen] - logZ), List.copyOf(top));
    }

    private void applyPenalties(float[] logits) {
        double repetition = params.repetitionPenalty();
        if (repetition != 1.0) {
            // Placeholder ids beyond the logits (an image's soft tokens on a model with fewer rows) have no logit.
            for (int t = seen.nextSetBit(0); t >= 0 && t < logits.length; t = seen.nextSetBit(t + 1)) {
                logits[t] = (float) (logits[t] > 0 ? logits[t] / repetition : logits[t] * repetition);
            }
        }
        if (params.presencePenalty() != 0 || params.frequencyPenalty() != 0) {
            for (Map.Entry<Integer, Integer> e : generatedCounts.entrySet()) {
                logits[e.getKey()] -= (float) (params.presencePenalty() + params.frequencyPenalty() * e.getValue());
            }
        }
    }

    /** The index of the largest logit (the lowest index among equals): greedy decoding. */
    public static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Temperature, truncation, and a draw from what is left. */
    private int draw(float[] logits) {
        float inverseTemperature = (float) (1.0 / params.temperature());
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            logits[i] *= inverseTemperature;
            max = Math.max(max, logits[i]);
        }
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            double p = Math.exp(logits[i] - max);
            logits[i] = (float) p; // logits now hold unnormalised probabilities
            total += p;
        }
        boolean truncate = params.topK() > 0 || params.topP() < 1 || params.minP() > 0;
        if (!truncate) {
            return drawFrom(logits, null, logits.length, total);
        }
        // Visit tokens from most to least likely and keep them while every active rule allows it.
        ProbabilityHeap heap = new ProbabilityHeap(logits);
        int limit = params.topK() > 0 ? Math.min(params.topK(), logits.length) : logits.length;
        double floor = 0; // min-p threshold, known once the top probability is
        int[] kept = new int[Math.min(limit, 1024)];
        int count = 0;
        double cumulative = 0;
        double top = -1;
        while (count < limit && heap.size() > 0) {
            int t = heap.pop();
            double p = logits[t] / total;
            if (top < 0) {
                top = p;
                floor = params.minP() * top;
            } else if (p < floor || cumulative >= params.topP()) {
                break;
            }
            if (count == kept.length) {
                kept = java.util.Arrays.copyOf(kept, kept.length * 2);
            }
            kept[count++] = t;
            cumulative += p;
        }
        double keptTotal = 0;
        for (int i = 0; i < count; i++) {
            keptTotal += logits[kept[i]];
        }
        return drawFrom(logits, kept, count, keptTotal);
    }

    /** Draws among {@code candidates} (or all tokens when null) in proportion to {@code weights}. */
    private int drawFrom(float[] weights, int[] candidates, int count, double total) {
        double target = random.nextDouble() * total;
        double running = 0;
        int last = -1;
        for (int i = 0; i < count; i++) {
            int t = candidates == null ? i : candidates[i];
            if (weights[t] <= 0) {
                continue;
            }
            running += weights[t];
            last = t;
            if (running > target) {
                return t;
            }
        }
        return last >= 0 ? last : argMax(weights);
    }
}
