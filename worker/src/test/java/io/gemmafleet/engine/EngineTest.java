package io.gemmafleet.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.engine.kv.KvBlockManager;
import io.gemmafleet.engine.kv.KvPoolSize;
import io.gemmafleet.generate.FinishReason;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.Sampler;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the tiny random model (window 16, one global layer of eight) with the paged CPU executor: under
 * continuous batching, preemption, prefix sharing and executor replacement, every greedy request produces exactly
 * the tokens of a plain one-request loop on a separate executor that keeps every position.
 */
class EngineTest {

    private static final int CONTEXT = 256;

    @TempDir
    static Path dir;

    private static Checkpoint checkpoint;
    private static GemmaTokenizer tokenizer;
    private static ModelExecutor paged;
    private static ModelExecutor reference;
    private static Gemma3Config config;
    private static final Map<String, int[]> aloneCache = new HashMap<>();

    @BeforeAll
    static void load() {
        checkpoint = CheckpointLoader.load(TinyModels.writeGguf(dir).toString());
        tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
        paged = TinyModels.cpuExecutor(checkpoint, CONTEXT);
        reference = TinyModels.steppableCpuExecutor(checkpoint, CONTEXT);
        config = paged.config();
    }

    @AfterAll
    static void close() {
        paged.close();
        reference.close();
        checkpoint.close();
    }

    // ---- the reference: one request, plain arg-max loop, every position kept ----

    private static int[] alone(int[] prompt, int steps) {
        return aloneCache.computeIfAbsent(Arrays.toString(prompt) + "/" + steps, k -> {
            int[] out = new int[steps];
            float[] logits = reference.step(StepBatch.of(new SequenceStep(1, 0, prompt, true)))[0];
            for (int i = 0; i < steps; i++) {
                out[i] = Sampler.argMax(logits);
                if (i + 1 < steps) {
                    logits = reference.step(StepBatch.of(
                            new SequenceStep(1, prompt.length + i, new int[] {out[i]}, true)))[0];
                }
            }
            reference.release(1);
            return out;
        });
    }

    private static int[] prompt(int length, long seed) {
        return new SplittableRandom(seed).ints(length, 300, 5000).toArray();
    }

    private static GenerationRequest greedy(long id, int[] prompt, int steps) {
        return new GenerationRequest(id, prompt, SamplingParams.greedy(steps), true);
    }

    // ---- a driver that records results ----

    private static final class Run {
        final AtomicLong clock = new AtomicLong(1_000);
        final Map<Long, GenerationResult> results = new LinkedHashMap<>();
        final Engine engine;

        Run(EngineConfig engineConfig) {
            engine = new Engine(paged, tokenizer, engineConfig, TextListener.NONE,
                    r -> results.put(r.id(), r), clock::get);
        }

        void stepUntilIdle() {
            for (int guard = 0; guard < 10_000 && !engine.idle(); guard++) {
                engine.step();
                clock.addAndGet(1_000);
            }
            assertTrue(engine.idle(), "the engine should finish every request");
        }
    }

    private static EngineConfig engineConfig(int maxRunning, int stepTokens, int chunk, KvPoolSize pools,
                                             boolean prefix) {
        return new EngineConfig(maxRunning, stepTokens, chunk, CONTEXT, pools, prefix);
    }

    private static KvPoolSize roomy(int sequences, int chunk) {
        return KvPoolSize.forSequences(config, sequences, CONTEXT, chunk);
    }

    private static void assertAlone(GenerationRequest r, GenerationResult result) {
        assertArrayEquals(alone(r.promptTokens(), r.params().maxTokens()), result.tokenIds(), "request " + r.id());
        assertEquals(FinishReason.LENGTH, result.finishReason());
    }

    @Test
    void requestsJoiningMidFlightGetTheTokensTheyGetAlone() {
        Run run = new Run(engineConfig(4, 24, 8, roomy(4, 8), true));
        List<GenerationRequest> first = List.of(greedy(1, prompt(70, 1), 20), greedy(2, prompt(5, 2), 6));
        List<GenerationRequest> later = List.of(greedy(3, prompt(33, 3), 12), greedy(4, prompt(9, 4), 30),
                greedy(5, prompt(17, 5), 3));
        first.forEach(run.engine::submit);
        for (int i = 0; i < 3; i++) {
            run.engine.step(); // the long prompt is still prefilling in chunks when the others arrive
        }
        later.forEach(run.engine::submit);
        run.stepUntilIdle();
        for (GenerationRequest r : concat(first, later)) {
            assertAlone(r, run.results.get(r.id()));
        }
        assertTrue(run.engine.counters().steps() > 0);
        assertEquals(0, run.engine.cacheStats().globalInUse(), "every block back in the pool or cached");
    }

    @Test
    void aShortRequestIsNotHeldBackByALongPrefill() {
        Run run = new Run(engineConfig(4, 16, 8, roomy(4, 8), false));
        run.engine.submit(greedy(1, prompt(200, 11), 4));
        run.engine.step();
        run.engine.submit(greedy(2, prompt(4, 12), 2));
        int steps = 0;
        while (!run.results.containsKey(2L)) {
            run.engine.step();
            steps++;
        }
        // The long prompt needs 25 chunks; the short one gets its prefill and both tokens within a few steps.
        assertTrue(steps <= 3, "short request finished after " + steps + " steps");
        assertTrue(!run.results.containsKey(1L), "the long prompt is still prefilling");
        run.stepUntilIdle();
        assertAlone(greedy(1, prompt(200, 11), 4), run.results.get(1L));
        assertAlone(greedy(2, prompt(4, 12), 2), run.results.get(2L));
    }

    @Test
    void slidingLayersKeepOnlyTheirWindow() {
        int chunk = 8;
        Run run = new Run(engineConfig(1, 8, chunk, roomy(1, chunk), false));
        GenerationRequest r = greedy(1, prompt(100, 21), 60);
        run.engine.submit(r);
        int mostLocal = 0;
        int mostGlobal = 0;
        while (!run.engine.idle()) {
            run.engine.step();
            mostLocal = Math.max(mostLocal, run.engine.cacheStats().localInUse());
            mostGlobal = Math.max(mostGlobal, run.engine.cacheStats().globalInUse());
        }
        assertAlone(r, run.results.get(1L));
        // 160 positions: the global layer holds them all (10 blocks); sliding layers only window + chunk.
        assertEquals(10, mostGlobal);
        assertTrue(mostLocal <= KvBlockManager.localBlocksPerSequence(config, chunk),
                "sliding blocks in use: " + mostLocal);
        assertTrue(mostLocal < mostGlobal, "sliding layers must not keep the whole context");
    }

    @Test
    void sharedPrefixesAreComputedOnceAndGiveTheSameTokens() {
        Run run = new Run(engineConfig(4, 64, 32, roomy(4, 32), true));
        int[] system = prompt(48, 31); // three full blocks
        GenerationRequest a = greedy(1, concat(system, prompt(7, 32)), 5);
        GenerationRequest b = greedy(2, concat(system, prompt(11, 33)), 5);
        GenerationRequest c = greedy(3, system, 5); // the prefix alone: its last token must still be computed
        run.engine.submit(a);
        run.stepUntilIdle();
        long before = run.engine.counters().prefixHitTokens();
        run.engine.submit(b);
        run.engine.submit(c);
        run.stepUntilIdle();
        assertAlone(a, run.results.get(1L));
        assertAlone(b, run.results.get(2L));
        assertAlone(c, run.results.get(3L));
        // b reuses all three blocks; c reuses two (its last token is in the third).
        assertEquals(48 + 32, run.engine.counters().prefixHitTokens() - before);
        assertTrue(run.engine.cacheStats().prefixHitRate() > 0.4, "hit rate " + run.engine.cacheStats());
    }

    @Test
    void runningOutOfBlocksPreemptsAndRecomputesWithoutChangingAnyOutput() {
        // Global blocks for about 1.5 of these sequences: the engine must keep preempting and resuming.
        KvPoolSize tight = new KvPoolSize(9, 3 * KvBlockManager.localBlocksPerSequence(config, 8));
        Run run = new Run(engineConfig(3, 24, 8, tight, true));
        List<GenerationRequest> requests = List.of(greedy(1, prompt(60, 41), 30), greedy(2, prompt(50, 42), 40),
                greedy(3, prompt(20, 43), 50));
        requests.forEach(run.engine::submit);
        run.stepUntilIdle();
        for (GenerationRequest r : requests) {
            assertAlone(r, run.results.get(r.id()));
        }
        assertTrue(run.engine.counters().preemptions() > 0, "the pool was too small not to preempt");
    }

    @Test
    void theVictimIsTheLowestPriorityMostRecentlyStarted() {
        KvPoolSize tight = new KvPoolSize(8, 3 * KvBlockManager.localBlocksPerSequence(config, 8));
        Run run = new Run(engineConfig(3, 24, 8, tight, false));
        GenerationRequest urgent = new GenerationRequest(1, prompt(40, 51), SamplingParams.greedy(60), true, 0,
                GenerationRequest.NO_DEADLINE);
        GenerationRequest background = new GenerationRequest(2, prompt(40, 52), SamplingParams.greedy(60), true, 9,
                GenerationRequest.NO_DEADLINE);
        run.engine.submit(background);
        run.engine.submit(urgent);
        run.stepUntilIdle();
        assertAlone(urgent, run.results.get(1L));
        assertAlone(background, run.results.get(2L));
        // The urgent request never lost its cache, so it finished first.
        assertEquals(List.of(1L, 2L), List.copyOf(run.results.keySet()));
    }

    @Test
    void lowerPriorityValuesAreAdmittedFirst() {
        Run run = new Run(engineConfig(1, 32, 16, roomy(1, 16), false));
        for (int i = 0; i < 4; i++) {
            run.engine.submit(new GenerationRequest(10 + i, prompt(6, 60 + i), SamplingParams.greedy(2), true,
                    9 - 3 * i % 10, GenerationRequest.NO_DEADLINE));
        }
        run.stepUntilIdle();
        assertEquals(List.of(13L, 12L, 11L, 10L), List.copyOf(run.results.keySet()));
    }

    @Test
    void aBetterPriorityArrivalDisplacesARunningRequestWhenNoSlotIsFree() {
        Run run = new Run(engineConfig(1, 32, 16, roomy(1, 16), false));
        GenerationRequest background = new GenerationRequest(1, prompt(12, 65), SamplingParams.greedy(30), true, 9,
                GenerationRequest.NO_DEADLINE);
        GenerationRequest urgent = new GenerationRequest(2, prompt(9, 66), SamplingParams.greedy(5), true, 0,
                GenerationRequest.NO_DEADLINE);
        GenerationRequest equal = new GenerationRequest(3, prompt(7, 67), SamplingParams.greedy(5), true, 9,
                GenerationRequest.NO_DEADLINE);
        run.engine.submit(background);
        for (int i = 0; i < 4; i++) {
            run.engine.step();
        }
        run.engine.submit(equal); // same priority: waits its turn
        run.engine.submit(urgent);
        run.stepUntilIdle();
        assertEquals(List.of(2L, 1L, 3L), List.copyOf(run.results.keySet()));
        assertEquals(1, run.engine.counters().priorityPreemptions());
        assertAlone(background, run.results.get(1L));
        assertAlone(urgent, run.results.get(2L));
        assertAlone(equal, run.results.get(3L));
    }

    @Test
    void cancellingEndsQueuedAndRunningRequestsWithTheirTextSoFar() {
        Run run = new Run(engineConfig(1, 32, 16, roomy(1, 16), false));
        GenerationRequest running = greedy(1, prompt(10, 71), 40);
        GenerationRequest queued = greedy(2, prompt(10, 72), 40);
        run.engine.submit(running);
        run.engine.submit(queued);
        for (int i = 0; i < 6; i++) {
            run.engine.step();
        }
        run.engine.cancel(1);
        run.engine.cancel(2);
        run.engine.cancel(999); // unknown: ignored
        run.engine.step();
        assertTrue(run.engine.idle());
        GenerationResult r1 = run.results.get(1L);
        assertEquals(FinishReason.CANCELLED, r1.finishReason());
        assertEquals(6, r1.tokenIds().length, "one token per step");
        assertArrayEquals(Arrays.copyOf(alone(running.promptTokens(), 40), 6), r1.tokenIds());
        assertEquals(FinishReason.CANCELLED, run.results.get(2L).finishReason());
        assertEquals(0, run.results.get(2L).tokenIds().length);
        assertEquals(0, run.engine.cacheStats().globalInUse());
    }

    @Test
    void deadlinesEndRequestsOnTheEnginesClock() {
        Run run = new Run(engineConfig(2, 32, 16, roomy(2, 16), false));
        long now = run.clock.get();
        run.engine.submit(new GenerationRequest(1, prompt(8, 81), SamplingParams.greedy(50), true, 5,
                now + 4_500));
        run.engine.submit(greedy(2, prompt(8, 82), 10));
        run.stepUntilIdle();
        GenerationResult late = run.results.get(1L);
        assertEquals(FinishReason.DEADLINE, late.finishReason());
        assertTrue(late.tokenIds().length > 0 && late.tokenIds().length < 50, "partial output kept");
        assertAlone(greedy(2, prompt(8, 82), 10), run.results.get(2L));
    }

    @Test
    void aRequestThatCannotFitTheContextEndsAtOnce() {
        Run run = new Run(engineConfig(2, 32, 16, roomy(2, 16), false));
        run.engine.submit(greedy(1, prompt(200, 91), CONTEXT - 199));
        run.engine.step();
        assertEquals(FinishReason.CONTEXT_LENGTH_EXCEEDED, run.results.get(1L).finishReason());
        assertTrue(run.engine.idle());
    }

    @Test
    void replacingTheExecutorMidFlightLosesNothing() {
        Run run = new Run(engineConfig(3, 24, 8, roomy(3, 8), true));
        List<GenerationRequest> requests = List.of(greedy(1, prompt(30, 101), 25), greedy(2, prompt(12, 102), 25),
                greedy(3, prompt(3, 103), 25));
        requests.forEach(run.engine::submit);
        for (int i = 0; i < 8; i++) {
            run.engine.step();
        }
        try (ModelExecutor fresh = TinyModels.cpuExecutor(checkpoint, CONTEXT)) {
            Engine e = run.engine;
            e.replaceExecutor(fresh, e.config());
            assertEquals(0, e.runningCount());
            run.stepUntilIdle();
        }
        for (GenerationRequest r : requests) {
            assertAlone(r, run.results.get(r.id()));
        }
    }

    @Test
    void aShorterContextAfterReplacementEndsWhatNoLongerFits() {
        Run run = new Run(engineConfig(2, 24, 8, roomy(2, 8), false));
        GenerationRequest big = greedy(1, prompt(100, 111), 50);
        GenerationRequest small = greedy(2, prompt(10, 112), 20);
        run.engine.submit(big);
        run.engine.submit(small);
        run.engine.step();
        EngineConfig shorter = run.engine.config().withMaxContext(128)
                .withPools(KvPoolSize.forSequences(config, 2, 128, 8));
        run.engine.replaceExecutor(paged, shorter);
        assertEquals(FinishReason.CONTEXT_LENGTH_EXCEEDED, run.results.get(1L).finishReason());
        run.stepUntilIdle();
        assertAlone(small, run.results.get(2L));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
