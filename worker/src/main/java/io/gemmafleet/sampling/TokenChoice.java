package io.gemmafleet.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * One row's sampling decision as a device sampler makes it: temperature, top-k, top-p and min-p with the
 * {@link Sampler}'s rules, and a uniform number drawn by the host from the request's seeded stream, so a GPU can
 * choose the token and return only its id.
 *
 * <p>{@link #pick} is the definition the CUDA kernel {@code sample_rows} is checked against: scaled logits
 * {@code z = (logit - max) / temperature} in float, probabilities in double; under truncation, tokens with
 * {@code z < -20} (less likely than about 2e-9 times the top token) are never candidates. Temperature 0 is greedy.
 *
 * @param uniform in [0, 1)
 */
public record TokenChoice(float temperature, int topK, float topP, float minP, double uniform) {

    /** Lowest scaled logit a truncated draw considers; must equal Z_FLOOR in sampling.cu. */
    public static final float Z_FLOOR = -20f;

    public static TokenChoice greedy() {
        return new TokenChoice(0f, 0, 1f, 0f, 0);
    }

    /** The choice for a request's parameters, with the next number of its random stream. */
    public static TokenChoice of(SamplingParams params, double uniform) {
        return new TokenChoice((float) params.temperature(), params.topK(), (float) params.topP(),
                (float) params.minP(), uniform);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }

    /** The token these parameters choose from {@code logits}. */
    public int pick(float[] logits) {
        if (isGreedy()) {
            return Sampler.argMax(logits);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        float inverse = 1f / temperature;
        float[] z = new float[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            z[i] = (logits[i] - max) * inverse;
            total += Math.exp(z[i]);
        }
        boolean truncate = (topK > 0 && topK < logits.length) || topP < 1f || minP > 0f;
        if (!truncate) {
            double target = uniform * total;
            double running = 0;
            int last = -1;
            for (int i = 0; i < z.length; i++) {
                double w = Math.exp(z[i]);
                if (w > 0) {
                    last = i;
                }
                running += w;
                if (running > target) {
                    return i;
                }
            }
            return last >= 0 ? last : Sampler.argMax(logits);
        }
        // Candidates from most to least likely (ties: lower index first), then the Sampler's keep rules.
        float cut = minP > 0 ? (float) Math.log(minP) : Float.NEGATIVE_INFINITY;
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < z.length; i++) {
            if (z[i] >= Z_FLOOR && z[i] >= cut) {
                candidates.add(i);
            }
        }
        candidates.sort((a, b) -> z[a] != z[b] ? Float.compare(z[b], z[a]) : Integer.compare(a, b));
        int limit = topK > 0 ? Math.min(topK, candidates.size()) : candidates.size();
        double top = Math.exp(z[candidates.getFirst()]) / total;
        double floor = minP * top;
        double cumulative = 0;
        double keptTotal = 0;
        int kept = 0;
        for (int j = 0; j < limit; j++) {
            double p = Math.exp(z[candidates.get(j)]) / total;
            if (j > 0 && (p < floor || cumulative >= topP)) {
                break;
            }
            keptTotal += Math.exp(z[candidates.get(j)]);
            cumulative += p;
            kept++;
        }
        double target = uniform * keptTotal;
        double running = 0;
        int pick = candidates.getFirst();
        for (int j = 0; j < kept; j++) {
            running += Math.exp(z[candidates.get(j)]);
            pick = candidates.get(j);
            if (running > target) {
                break;
            }
        }
        return pick;
    }
}
