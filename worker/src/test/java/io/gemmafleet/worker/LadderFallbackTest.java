package io.gemmafleet.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ExecutorOutOfMemoryException;
import io.gemmafleet.backend.MemoryBudget;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.engine.ladder.FallbackLadder;
import io.gemmafleet.engine.ladder.LadderModels;
import io.gemmafleet.engine.ladder.LadderPlan;
import io.gemmafleet.engine.ladder.ModelLadder;
import io.gemmafleet.generate.FinishReason;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real out-of-memory path, injected: the executor of the first rung throws {@link ExecutorOutOfMemoryException}
 * in the middle of a batch; the runtime steps down the real {@link FallbackLadder} (bf16 → Q4_0 of the tiny model)
 * and every request in flight is recomputed there, none lost.
 */
class LadderFallbackTest {

    @TempDir
    static Path dir;

    static List<String> models;
    static ModelLadder ladder;

    @BeforeAll
    static void write() {
        models = LadderModels.write(dir);
        ladder = LadderModels.probe(models);
    }

    /** The first rung's executor, failing like a full device from its {@code failAt}-th step on. */
    private static final class FailingFrom implements Fallback {
        final LadderFallback rungs;
        final int failAt;
        final List<String> opened = new ArrayList<>();

        FailingFrom(LadderFallback rungs, int failAt) {
            this.rungs = rungs;
            this.failAt = failAt;
        }

        LoadedModel open(LadderPlan plan) {
            LoadedModel m = rungs.open(plan);
            opened.add(m.served().rung());
            if (m.rungIndex() > 0) {
                return m;
            }
            AtomicInteger steps = new AtomicInteger();
            ModelExecutor failing = new ForwardingExecutor(m.executor()) {
                @Override
                public float[][] step(StepBatch batch) {
                    if (steps.incrementAndGet() >= failAt) {
                        throw new ExecutorOutOfMemoryException("injected: no memory for " + batch.tokenCount()
                                + " tokens");
                    }
                    return super.step(batch);
                }
            };
            return new LoadedModel(failing, m.engine(), m.served(), m.rungIndex(), m::close);
        }

        @Override
        public Optional<LoadedModel> after(LoadedModel current, RuntimeException outOfMemory) {
            Optional<LoadedModel> next = rungs.after(current, outOfMemory);
            next.ifPresent(m -> opened.add(m.served().rung()));
            return next;
        }
    }

    private static FallbackLadder fallbackLadder(List<String> log) {
        var planner = LadderModels.planner();
        long budget = 1L << 30; // everything fits: the first rung is bf16 at the desired context
        return new FallbackLadder(ladder, planner, 1024, 256, MemoryBudget.configured(budget), log::add);
    }

    @Test
    void anOutOfMemoryMidBatchStepsDownAndLosesNoRequest() {
        List<String> log = new ArrayList<>();
        FallbackLadder plans = fallbackLadder(log);
        LadderFallback rungs = new LadderFallback(plans, new CpuBackend(), 2, "w1", true, 4, 64);
        FailingFrom fallback = new FailingFrom(rungs, 4);
        LoadedModel first = fallback.open(plans.start());
        GemmaTokenizer tokenizer = rungs.tokenizer();
        EngineRuntime runtime = new EngineRuntime(first, tokenizer, fallback, System::nanoTime);
        Map<Long, GenerationResult> results = new HashMap<>();
        for (long id = 1; id <= 6; id++) {
            int[] prompt = new SplittableRandom(id).ints(5 + 7 * (int) id, 300, 5000).toArray();
            runtime.submit(new GenerationRequest(id, prompt, SamplingParams.greedy(12), true));
        }
        for (int guard = 0; guard < 1000 && !runtime.idle(); guard++) {
            runtime.step().forEach(r -> results.put(r.id(), r));
        }
        assertEquals(6, results.size(), "every request answered");
        results.values().forEach(r -> {
            assertEquals(FinishReason.LENGTH, r.finishReason(), "request " + r.id());
            assertEquals(12, r.tokenIds().length);
        });
        assertEquals(List.of("tiny-bf16.gguf", "tiny-q4_0.gguf"), opened(fallback), "stepped down one rung");
        assertEquals(1, runtime.status().rungIndex());
        assertEquals("tiny-q4_0.gguf", runtime.served().rung());
        assertEquals(1, plans.stepDowns());
        assertTrue(log.stream().anyMatch(l -> l.contains("injected")), String.join("\n", log));
        runtime.abandonAll();
    }

    @Test
    void atTheBottomOfTheLadderTheOutOfMemoryReachesTheWorker() {
        List<String> log = new ArrayList<>();
        FallbackLadder plans = fallbackLadder(log);
        LadderFallback rungs = new LadderFallback(plans, new CpuBackend(), 2, "w2", true, 4, 64);
        LoadedModel first = rungs.open(plans.start());
        ModelExecutor alwaysFull = new ForwardingExecutor(first.executor()) {
            @Override
            public float[][] step(StepBatch batch) {
                throw new ExecutorOutOfMemoryException("injected: always full");
            }
        };
        LoadedModel failing = new LoadedModel(alwaysFull, first.engine(), first.served(), 0, first::close);
        EngineRuntime runtime = new EngineRuntime(failing, rungs.tokenizer(), Fallback.NONE, System::nanoTime);
        runtime.submit(new GenerationRequest(1, new int[] {2, 400, 401}, SamplingParams.greedy(3), true));
        assertThrows(ExecutorOutOfMemoryException.class, runtime::step);
        List<GenerationResult> abandoned = runtime.abandonAll();
        assertEquals(1, abandoned.size(), "the request is still held, for the worker to fail or release");
        first.close();
    }

    private static List<String> opened(FailingFrom f) {
        return f.opened.stream().map(r -> Path.of(r).getFileName().toString()).toList();
    }
}
