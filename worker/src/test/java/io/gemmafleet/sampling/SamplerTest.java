package io.gemmafleet.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 0.5f, 2.9f};

    private static SamplingParams params(double temperature, int topK, double topP, double minP, Long seed) {
        return new SamplingParams(temperature, topK, topP, minP, 1, 0, 0, seed, 16, List.of(), 0);
    }

    private static int[] draws(SamplingParams p, int n) {
        Sampler sampler = new Sampler(p, new int[0]);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.sample(LOGITS.clone());
        }
        return out;
    }

    @Test
    void greedyTakesTheArgMax() {
        assertEquals(1, new Sampler(SamplingParams.greedy(4), new int[0]).sample(LOGITS.clone()));
    }

    @Test
    void sameSeedSameTokensAndDifferentSeedDifferentTokens() {
        int[] a = draws(params(1.0, 0, 1, 0, 42L), 200);
        int[] b = draws(params(1.0, 0, 1, 0, 42L), 200);
        int[] c = draws(params(1.0, 0, 1, 0, 43L), 200);
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void temperatureOneFollowsTheSoftmax() {
        int n = 60_000;
        int[] counts = new int[LOGITS.length];
        for (int t : draws(params(1.0, 0, 1, 0, 7L), n)) {
            counts[t]++;
        }
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        for (int i = 0; i < LOGITS.length; i++) {
            double expected = Math.exp(LOGITS[i]) / z;
            assertEquals(expected, counts[i] / (double) n, 0.01, "token " + i);
        }
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        for (int t : draws(params(5.0, 2, 1, 0, 1L), 500)) {
            assertTrue(t == 1 || t == 5, "top-2 drew " + t);
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities at T=1: token1 .33, token5 .30, token2 .20 ... p=0.5 needs tokens 1 and 5.
        for (int t : draws(params(1.0, 0, 0.5, 0, 2L), 500)) {
            assertTrue(t == 1 || t == 5, "top-p 0.5 drew " + t);
        }
        int[] tiny = draws(params(1.0, 0, 0.01, 0, 2L), 50);
        for (int t : tiny) {
            assertEquals(1, t);
        }
    }

    @Test
    void minPDropsTokensFarBelowTheTop() {
        // p(token2)/p(token1) = e^-0.5 = 0.61; p(token0)/p(token1) = e^-2 = 0.14
        for (int t : draws(params(1.0, 0, 1, 0.5, 3L), 500)) {
            assertTrue(t == 1 || t == 5 || t == 2, "min-p 0.5 drew " + t);
        }
    }

    @Test
    void repetitionPenaltyTurnsGreedyAwayFromSeenTokens() {
        SamplingParams p = new SamplingParams(0, 0, 1, 0, 2.0, 0, 0, null, 8, List.of(), 0);
        assertEquals(5, new Sampler(p, new int[] {1}).sample(LOGITS.clone()));
    }

    @Test
    void presenceAndFrequencyPenaltiesApplyToGeneratedTokens() {
        SamplingParams p = new SamplingParams(0, 0, 1, 0, 1, 0.05, 0.1, null, 8, List.of(), 0);
        Sampler sampler = new Sampler(p, new int[] {5});
        assertEquals(1, sampler.sample(LOGITS.clone())); // prompt tokens are not penalised by presence
        assertEquals(5, sampler.sample(LOGITS.clone())); // 3.0 - 0.15 < 2.9
    }

    @Test
    void logprobsReportTheRawDistribution() {
        TokenLogprob lp = Sampler.logprobOf(LOGITS, 2, 3);
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        assertEquals(2.5 - Math.log(z), lp.logprob(), 1e-5);
        assertEquals(List.of(1, 5, 2), lp.top().stream().map(TokenLogprob.Alternative::token).toList());
    }

    @Test
    void invalidParametersAreRejectedWithTheirName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> params(-1, 0, 1, 0, null))
                .getMessage().contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> params(1, 0, 0, 0, null))
                .getMessage().contains("top_p"));
    }
}
