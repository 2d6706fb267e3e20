package io.gemmafleet.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link TokenChoice#pick}, the definition the device sampler is checked against, against first principles. */
class TokenChoiceTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 3.0f, 0.5f};

    @Test
    void greedyAndTopKOfOneTakeTheArgMaxWithTheLowestIndexAmongEquals() {
        assertEquals(1, TokenChoice.greedy().pick(LOGITS));
        for (double u : new double[] {0, 0.5, 0.999}) {
            assertEquals(1, new TokenChoice(1f, 1, 1f, 0f, u).pick(LOGITS));
        }
    }

    @Test
    void untruncatedDrawsFollowTheSoftmax() {
        double[] p = softmax(LOGITS, 1.0);
        int[] counts = new int[LOGITS.length];
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            counts[new TokenChoice(1f, 0, 1f, 0f, (i + 0.5) / n).pick(LOGITS)]++;
        }
        for (int t = 0; t < LOGITS.length; t++) {
            assertEquals(p[t], counts[t] / (double) n, 1e-3, "token " + t);
        }
    }

    @Test
    void topKTopPAndMinPKeepOnlyWhatTheirRulesAllow() {
        SplittableRandom random = new SplittableRandom(3);
        double[] p = softmax(LOGITS, 1.0);  // order: 1, 4 (equal, 1 first), 2, 0, 5, 3
        for (int i = 0; i < 2000; i++) {
            double u = random.nextDouble();
            int k2 = new TokenChoice(1f, 2, 1f, 0f, u).pick(LOGITS);
            assertTrue(k2 == 1 || k2 == 4, "top-2 picked " + k2);
            // top-p 0.5: token 1 alone has p < 0.5, so 1 and 4 are kept; 2 is not (cumulative already >= 0.5)
            assertTrue(p[1] < 0.5 && p[1] + p[4] >= 0.5);
            int tp = new TokenChoice(1f, 0, 0.5f, 0f, u).pick(LOGITS);
            assertTrue(tp == 1 || tp == 4, "top-p picked " + tp);
            // min-p 0.5: keeps tokens at least half as likely as the top one: 1, 4 and 2 (e^-0.5 = 0.61)
            int mp = new TokenChoice(1f, 0, 1f, 0.5f, u).pick(LOGITS);
            assertTrue(mp == 1 || mp == 4 || mp == 2, "min-p picked " + mp);
        }
    }

    @Test
    void temperatureSharpensTheDistribution() {
        int hot = 0;
        int cold = 0;
        for (int i = 0; i < 1000; i++) {
            double u = (i + 0.5) / 1000;
            hot += new TokenChoice(2f, 0, 1f, 0f, u).pick(LOGITS) == 3 ? 1 : 0;
            cold += new TokenChoice(0.25f, 0, 1f, 0f, u).pick(LOGITS) == 3 ? 1 : 0;
        }
        assertTrue(hot > cold, "the unlikely token 3 must be drawn more often when hot: " + hot + " vs " + cold);
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Arrays.stream(toDouble(logits)).max().orElseThrow();
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
