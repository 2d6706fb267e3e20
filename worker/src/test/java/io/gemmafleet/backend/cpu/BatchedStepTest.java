package io.gemmafleet.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batching contract of {@link CpuExecutor}: whatever else shares a step, however a prompt is chunked, and after
 * roll-backs and releases, a sequence's logits are those of running it alone. Bad steps fail with a message that
 * states the numbers and leave the executor usable.
 *
 * <p>Logits are compared within {@link #RELATIVE_TOLERANCE} of the reference logits' spread (max − min): batching
 * changes only the order of float additions, never the arithmetic.
 */
class BatchedStepTest {

    private static final float RELATIVE_TOLERANCE = 1e-4f;
    private static final int MAX_CONTEXT = 64;
    private static final int VOCAB = 262144;

    @TempDir
    static Path dir;

    private static Checkpoint checkpoint;
    private ModelExecutor executor;

    @BeforeAll
    static void writeModel() {
        checkpoint = CheckpointLoader.load(TinyModels.writeGguf(dir).toString());
    }

    @AfterAll
    static void closeModel() {
        checkpoint.close();
    }

    @BeforeEach
    void openExecutor() {
        executor = TinyModels.steppableCpuExecutor(checkpoint, MAX_CONTEXT);
    }

    @AfterEach
    void closeExecutor() {
        executor.close();
    }

    @Test
    void mixedBatchGivesEverySequenceTheLogitsItHasAlone() {
        int[] a = tokens(30, 1); // prefilled in chunks of 7: 7, 7, 7, 7, 2, then one decode token
        int[] b = tokens(11, 2); // 6-token prompt, then decodes one token per step
        int[] c = tokens(8, 3);  // joins at step 2 with a 5-token prompt, then decodes
        List<List<SequenceStep>> schedule = new ArrayList<>();
        for (int step = 0; step < 6; step++) {
            List<SequenceStep> steps = new ArrayList<>();
            if (step < 5) {
                int from = 7 * step;
                int to = Math.min(30, from + 7);
                steps.add(new SequenceStep(10, from, Arrays.copyOfRange(a, from, to), to == 30 || step == 1));
            } else {
                steps.add(new SequenceStep(10, 30, new int[] {tokens(1, 4)[0]}, true));
            }
            steps.add(step == 0
                    ? new SequenceStep(20, 0, Arrays.copyOf(b, 6), true)
                    : new SequenceStep(20, 5 + step, new int[] {b[5 + step]}, true));
            if (step == 2) {
                steps.add(new SequenceStep(30, 0, Arrays.copyOf(c, 5), true));
            } else if (step > 2) {
                steps.add(new SequenceStep(30, 2 + step, new int[] {c[2 + step]}, true));
            }
            schedule.add(steps);
        }

        List<float[][]> batched = new ArrayList<>();
        for (List<SequenceStep> steps : schedule) {
            batched.add(executor.step(new StepBatch(steps)));
        }

        int compared = 0;
        for (long id : new long[] {10, 20, 30}) {
            List<SequenceStep> own = new ArrayList<>();
            List<float[]> ownBatched = new ArrayList<>();
            for (int step = 0; step < schedule.size(); step++) {
                List<SequenceStep> steps = schedule.get(step);
                for (int i = 0; i < steps.size(); i++) {
                    if (steps.get(i).sequenceId() == id) {
                        own.add(steps.get(i));
                        ownBatched.add(batched.get(step)[i]);
                    }
                }
            }
            List<float[]> alone = runAlone(own);
            for (int i = 0; i < own.size(); i++) {
                String where = "sequence " + id + ", its step " + i;
                if (own.get(i).wantLogits()) {
                    assertClose(alone.get(i), ownBatched.get(i), where);
                    compared++;
                } else {
                    assertNull(ownBatched.get(i), where + " did not ask for logits");
                }
            }
        }
        assertEquals(3 + 6 + 4, compared);
    }

    @Test
    void prefillInOneStepEqualsPrefillInChunks() {
        int[] prompt = tokens(30, 5);
        float[] whole = executor.step(StepBatch.of(new SequenceStep(1, 0, prompt, true)))[0];
        int[][] chunkings = {{7, 7, 7, 7, 2}, {1, 16, 13}, {29, 1}};
        long id = 2;
        for (int[] sizes : chunkings) {
            float[] last = null;
            int at = 0;
            for (int size : sizes) {
                boolean end = at + size == prompt.length;
                float[][] out = executor.step(StepBatch.of(
                        new SequenceStep(id, at, Arrays.copyOfRange(prompt, at, at + size), end)));
                last = out[0];
                at += size;
            }
            assertClose(whole, last, "chunks " + Arrays.toString(sizes));
            id++;
        }
        // ... and the decode step after it agrees too.
        int next = tokens(1, 6)[0];
        float[] afterWhole = executor.step(StepBatch.of(new SequenceStep(1, 30, new int[] {next}, true)))[0];
        float[] afterChunks = executor.step(StepBatch.of(new SequenceStep(2, 30, new int[] {next}, true)))[0];
        assertClose(afterWhole, afterChunks, "decode after chunked prefill");
    }

    @Test
    void rollingBackThenRefeedingGivesTheSameLogits() {
        int[] seq = tokens(23, 7);
        float[] at16 = step(1, 0, Arrays.copyOfRange(seq, 0, 17));
        step(1, 17, Arrays.copyOfRange(seq, 17, 20));
        float[] at22 = null;
        for (int p = 20; p < 23; p++) {
            at22 = step(1, p, new int[] {seq[p]});
        }

        assertClose(at16, step(1, 10, Arrays.copyOfRange(seq, 10, 17)), "rolled back to 10, re-fed to 16");
        assertClose(at22, step(1, 17, Arrays.copyOfRange(seq, 17, 23)), "then on to 22");
        // a different token at a rolled-back position changes what follows; re-feeding the original restores it
        int[] changed = seq.clone();
        changed[21] = seq[21] + 1;
        float[] changedAt22 = step(1, 21, Arrays.copyOfRange(changed, 21, 23));
        assertTrue(maxAbsDifference(at22, changedAt22) > RELATIVE_TOLERANCE * spread(at22),
                "a different token at position 21 must change the logits at 22");
        assertClose(at22, step(1, 21, Arrays.copyOfRange(seq, 21, 23)), "rolled back to 21 and restored");
        assertClose(at22, step(1, 0, seq), "rolled back to 0");
    }

    @Test
    void releaseFreesTheSequenceIdToStartAgainAtZero() {
        int[] first = tokens(12, 8);
        int[] second = tokens(9, 9);
        step(5, 0, first);
        executor.release(5);
        assertThrows(IllegalArgumentException.class, () -> step(5, 12, new int[] {second[0]}),
                "a released sequence has no cache to continue");
        float[] reused = step(5, 0, second);
        assertClose(runAlone(List.of(new SequenceStep(1, 0, second, true))).getFirst(), reused, "reused id 5");
        executor.release(5);
        executor.release(12345); // unknown ids are ignored
    }

    @Test
    void stepStartingBeyondTheCacheIsRejectedWithTheNumbers() {
        step(1, 0, tokens(5, 10));
        var e = assertThrows(IllegalArgumentException.class, () -> step(1, 7, tokens(1, 11)));
        assertMentions(e, "7", "5");
        var fresh = assertThrows(IllegalArgumentException.class, () -> step(2, 3, tokens(1, 11)));
        assertMentions(fresh, "3", "0");
        assertStillWorks();
    }

    @Test
    void tokenOutsideTheVocabularyIsRejectedWithTheNumbers() {
        for (int bad : new int[] {VOCAB, -1, Integer.MAX_VALUE}) {
            int[] ids = tokens(4, 12);
            ids[2] = bad;
            var e = assertThrows(IllegalArgumentException.class, () -> step(1, 0, ids));
            assertMentions(e, String.valueOf(bad), String.valueOf(VOCAB - 1));
        }
        assertStillWorks();
    }

    @Test
    void exceedingTheContextLimitIsRejectedWithTheNumbers() {
        var e = assertThrows(IllegalArgumentException.class, () -> step(1, 0, tokens(MAX_CONTEXT + 1, 13)));
        assertMentions(e, String.valueOf(MAX_CONTEXT + 1), String.valueOf(MAX_CONTEXT));
        step(2, 0, tokens(MAX_CONTEXT, 14)); // exactly full is fine
        var full = assertThrows(IllegalArgumentException.class, () -> step(2, MAX_CONTEXT, tokens(1, 15)));
        assertMentions(full, String.valueOf(MAX_CONTEXT + 1), String.valueOf(MAX_CONTEXT));
        assertStillWorks();
    }

    /** A batch that is rejected for one sequence's step must not change the others' caches. */
    @Test
    void rejectedBatchLeavesTheOtherSequencesAsTheyWere() {
        int[] seq = tokens(21, 16);
        float[] expected = runAlone(List.of(new SequenceStep(1, 0, seq, true))).getFirst();
        step(1, 0, Arrays.copyOf(seq, 20));
        int[] badTokens = {1, VOCAB};
        List<StepBatch> rejected = List.of(
                // a decode step of sequence 1, then a bad token
                StepBatch.of(new SequenceStep(1, 20, new int[] {seq[20]}, true), new SequenceStep(2, 0, badTokens, true)),
                // a roll-back of sequence 1, then a bad token
                StepBatch.of(new SequenceStep(1, 8, new int[] {seq[8]}, true), new SequenceStep(2, 0, badTokens, true)),
                // a roll-back of sequence 1, then a step past the context limit
                StepBatch.of(new SequenceStep(1, 3, new int[] {seq[3]}, true),
                        new SequenceStep(3, 0, tokens(MAX_CONTEXT + 1, 17), true)));
        for (StepBatch batch : rejected) {
            assertThrows(IllegalArgumentException.class, () -> executor.step(batch));
            assertClose(expected, step(1, 20, new int[] {seq[20]}), "sequence 1 continued after " + batch);
        }
        // the sequence whose step was rejected has no positions either: it must start at 0
        assertThrows(IllegalArgumentException.class, () -> step(2, 2, new int[] {5}));
        assertThrows(IllegalArgumentException.class, () -> step(3, 1, new int[] {5}));
    }

    /** A sequence started after a rejected step still gets the logits it has alone. */
    private void assertStillWorks() {
        int[] prompt = tokens(10, 99);
        float[] expected = runAlone(List.of(new SequenceStep(1, 0, prompt, true))).getFirst();
        assertClose(expected, step(77, 0, prompt), "a new sequence after the error");
    }

    private float[] step(long id, int start, int[] tokens) {
        float[] logits = executor.step(StepBatch.of(new SequenceStep(id, start, tokens, true)))[0];
        assertNotNull(logits);
        return logits;
    }

    /** Runs the steps of one sequence one at a time on a fresh executor; returns each step's logits. */
    private static List<float[]> runAlone(List<SequenceStep> steps) {
        List<float[]> out = new ArrayList<>();
        try (ModelExecutor alone = TinyModels.steppableCpuExecutor(checkpoint, MAX_CONTEXT)) {
            for (SequenceStep s : steps) {
                out.add(alone.step(StepBatch.of(new SequenceStep(1, s.startPosition(), s.tokens(), true)))[0]);
            }
        }
        return out;
    }

    /** Ordinary token ids (no control tokens), the same for the same seed. */
    private static int[] tokens(int n, long seed) {
        return new SplittableRandom(seed).ints(n, 300, 200_300).toArray();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertNotNull(actual, what + ": no logits");
        assertEquals(expected.length, actual.length, what + ": logits length");
        float worst = maxAbsDifference(expected, actual);
        float tolerance = RELATIVE_TOLERANCE * spread(expected);
        assertTrue(worst <= tolerance, what + ": logits differ by up to " + worst + " (tolerance " + tolerance + ")");
    }

    private static float spread(float[] logits) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return max - min;
    }

    private static float maxAbsDifference(float[] a, float[] b) {
        float worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static void assertMentions(IllegalArgumentException e, String... numbers) {
        for (String n : numbers) {
            assertTrue(e.getMessage().matches("(?s).*(?<![0-9])" + java.util.regex.Pattern.quote(n) + "(?![0-9]).*"),
                    "message should state " + n + ": " + e.getMessage());
        }
    }
}
