package io.gemmafleet.engine.ladder;

import static io.gemmafleet.engine.ladder.LadderModels.MIB;
import static io.gemmafleet.engine.ladder.LadderModels.need;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.MemoryBudget;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.engine.MemoryPlanner;
import io.gemmafleet.engine.MemoryPlanner.PlanRefusedException;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.testmodel.TestModelShape;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback ladder on real (tiny, random-weight) checkpoints, bf16 then Q4_0, with budgets of a few MiB: the
 * start plan picks the Q4_0 rung, then a shorter context, then refuses with the numbers; an out-of-memory steps
 * down the same order.
 */
class FallbackLadderTest {

    @TempDir
    static Path dir;

    private static ModelLadder models;
    private static MemoryPlanner.Rung bf16;
    private static MemoryPlanner.Rung q4;
    private final MemoryPlanner planner = LadderModels.planner();
    private final List<String> log = new ArrayList<>();

    @BeforeAll
    static void writeModels() {
        models = LadderModels.probe(LadderModels.write(dir));
        bf16 = models.entry(0).rung();
        q4 = models.entry(1).rung();
    }

    private FallbackLadder ladder(int desired, int floor, long budget) {
        return new FallbackLadder(models, planner, desired, floor, MemoryBudget.configured(budget), log::add);
    }

    @Test
    void probingSumsTheDecoderTensorsFromTheHeaders() {
        long bf16Bytes = 0;
        long q4Bytes = 0;
        for (long[] shape : TestModelShape.tiny().tensorShapes().values()) {
            long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            boolean norm = shape.length == 1; // GGUF keeps norm vectors in f32
            bf16Bytes += norm ? 4 * n : 2 * n;
            q4Bytes += norm ? 4 * n : n / 32 * 18;
        }
        assertEquals(bf16Bytes, bf16.weightBytes());
        assertEquals(q4Bytes, q4.weightBytes());
        assertEquals("tiny-bf16.gguf", bf16.name());
        assertEquals("tiny-q4_0.gguf", q4.name());
        assertTrue(models.entry(1).modelRef().endsWith("tiny-q4_0.gguf"));
    }

    @Test
    void aBudgetForTheFirstRungServesItAtTheDesiredContext() {
        LadderPlan p = ladder(4096, 1024, need(planner, bf16, 4096)).start();
        assertEquals(0, p.rungIndex());
        assertEquals(4096, p.context());
        assertEquals(models.entry(0).modelRef(), p.modelRef());
        assertEquals(List.of("ladder: serving " + p.describe() + " (budget from --memory-budget)"), log);
    }

    @Test
    void aSmallBudgetPicksTheQ4Rung() {
        long budget = need(planner, q4, 4096);
        assertTrue(budget < bf16.weightBytes(), "the bf16 weights alone exceed it");
        LadderPlan p = ladder(4096, 1024, budget).start();
        assertEquals(1, p.rungIndex());
        assertEquals(q4, p.plan().rung());
        assertEquals(4096, p.context());
        assertTrue(p.describe().startsWith("rung 2/2: tiny-q4_0.gguf at context 4096: weights "), p.describe());
    }

    @Test
    void aSmallerBudgetServesAShorterContext() {
        LadderPlan p = ladder(4096, 1024, need(planner, q4, 2048)).start();
        assertEquals(1, p.rungIndex());
        assertEquals(2048, p.context(), "4096 -> 2048");
        assertEquals(2048, p.executorOptions(2).maxContext());
        assertTrue(log.getFirst().endsWith("(budget from --memory-budget; desired context 4096)"), log.getFirst());
    }

    @Test
    void aDesiredContextBeyondTheModelsIsCappedByIt() {
        LadderPlan p = ladder(65536, 1024, need(planner, q4, LadderModels.MODEL_CONTEXT)).start();
        assertEquals(LadderModels.MODEL_CONTEXT, p.context());
        assertTrue(log.getFirst().endsWith("; desired context 65536, beyond the model's limit)"), log.getFirst());
    }

    @Test
    void tooLittleIsARefusalThatStatesTheNumbers() {
        long budget = need(planner, q4, 1024) - 1;
        PlanRefusedException e = assertThrows(PlanRefusedException.class, () -> ladder(4096, 1024, budget).start());
        String m = e.getMessage();
        assertTrue(m.contains("fits " + mib(budget) + " even at the context floor 1024"), m);
        assertTrue(m.contains("tiny-bf16.gguf at context 1024: weights " + mib(bf16.weightBytes())), m);
        assertTrue(m.contains("tiny-q4_0.gguf at context 1024: weights " + mib(q4.weightBytes())), m);
        assertTrue(m.endsWith(" (budget from --memory-budget)"), m);
        assertTrue(log.isEmpty());
    }

    @Test
    void outOfMemoryStepsDownRungThenContextUntilTheFloorIsPassed() {
        FallbackLadder ladder = ladder(4096, 1024, need(planner, bf16, 4096));
        List<String> served = new ArrayList<>();
        LadderPlan p = ladder.start();
        served.add(p.rungName() + "@" + p.context());
        for (Optional<LadderPlan> next = ladder.stepDown("test OOM"); next.isPresent();
                next = ladder.stepDown("test OOM")) {
            assertTrue(next.get().plan().totalBytes() < p.plan().totalBytes(), "each step needs less");
            p = next.get();
            served.add(p.rungName() + "@" + p.context());
        }
        assertEquals(List.of("tiny-bf16.gguf@4096", "tiny-q4_0.gguf@4096", "tiny-q4_0.gguf@2048",
                "tiny-q4_0.gguf@1024"), served);
        assertTrue(ladder.exhausted());
        assertEquals(3, ladder.stepDowns());
        assertEquals(p, ladder.current(), "an exhausted ladder keeps its last plan");
        assertEquals(need(planner, q4, 2048) - 1, ladder.budgetBytes());
        assertEquals(Optional.empty(), ladder.stepDown("again"));

        assertEquals(5, log.size(), String.join("\n", log));
        assertTrue(log.get(1).startsWith("ladder: out of memory on rung 1/2: tiny-bf16.gguf at context 4096: weights "
                + mib(bf16.weightBytes())), log.get(1));
        assertTrue(log.get(1).contains("(test OOM); stepped down to rung 2/2: tiny-q4_0.gguf at context 4096"),
                log.get(1));
        assertTrue(log.get(1).contains("(step-down 1; budget now " + ByteSize.format(need(planner, bf16, 4096) - 1)
                + ", below the failed plan's total)"), log.get(1));
        assertTrue(log.get(4).startsWith("ladder: out of memory on rung 2/2: tiny-q4_0.gguf at context 1024"),
                log.get(4));
        assertTrue(log.get(4).contains("nothing below it fits: no model on the ladder fits"), log.get(4));
    }

    @Test
    void aLateReportFromAPlanAlreadyLeftDoesNotStepTwice() {
        FallbackLadder ladder = ladder(4096, 1024, need(planner, bf16, 4096));
        LadderPlan first = ladder.start();
        LadderPlan second = ladder.stepDown(first, "OOM").orElseThrow();
        assertEquals(Optional.of(second), ladder.stepDown(first, "the same OOM, seen by another sequence"));
        assertEquals(1, ladder.stepDowns());
        assertEquals(second, ladder.current());
    }

    @Test
    void aShorterContextMayTakeTheFirstRungAgainWhenTheCacheDominates() {
        // Synthetic rungs with a long context: the KV cache outweighs the 2 MiB between the weights.
        TestModelShape t = TestModelShape.tiny();
        Gemma3Config longContext = new Gemma3Config(t.hidden(), t.layers(), t.heads(), t.kvHeads(), t.headDim(),
                t.ffn(), t.vocabRows(), 131072, t.slidingWindow(), Gemma3Config.layerKindsFromPattern(t.layers(), 6),
                0.25f, 1_000_000, 10_000, 1, 1e-6f, 8f, true);
        MemoryPlanner.Rung a = new MemoryPlanner.Rung("a", longContext, 10 * MIB);
        MemoryPlanner.Rung b = new MemoryPlanner.Rung("b", longContext, 8 * MIB);
        ModelLadder synthetic = new ModelLadder(List.of(new ModelLadder.Entry("a.gguf", a),
                new ModelLadder.Entry("b.gguf", b)));
        FallbackLadder ladder = new FallbackLadder(synthetic, planner, 32768, 4096,
                MemoryBudget.configured(need(planner, b, 32768)), log::add);
        assertEquals("b", ladder.start().rungName());
        LadderPlan next = ladder.stepDown("OOM").orElseThrow();
        assertEquals(0, next.rungIndex(), "the first rung fits at half the context in less than b needed");
        assertEquals(16384, next.context());
    }

    @Test
    void thePositionIsExposedAsMetrics() {
        FallbackLadder ladder = ladder(4096, 1024, need(planner, bf16, 4096));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LadderMetrics.register(registry, ladder);
        assertTrue(Double.isNaN(registry.get(LadderMetrics.RUNG).gauge().value()), "not started");
        ladder.start();
        assertEquals(0, registry.get(LadderMetrics.RUNG).gauge().value());
        assertEquals(4096, registry.get(LadderMetrics.CONTEXT).gauge().value());
        LadderPlan p = ladder.stepDown("OOM").orElseThrow();
        assertEquals(1, registry.get(LadderMetrics.RUNG).gauge().value());
        assertEquals(4096, registry.get(LadderMetrics.CONTEXT).gauge().value());
        assertEquals(p.plan().totalBytes(), registry.get(LadderMetrics.PLANNED_BYTES).gauge().value());
        assertEquals(ladder.budgetBytes(), registry.get(LadderMetrics.BUDGET_BYTES).gauge().value());
        assertEquals(1, registry.get(LadderMetrics.STEP_DOWNS).functionCounter().count());
    }

    @Test
    void anOpenedRungServesThePlannedContextAndNoMore() {
        LadderPlan p = ladder(4096, 1024, need(planner, q4, 1024)).start();
        assertEquals(1024, p.context());
        try (OpenRung rung = p.open(new CpuBackend(), 2)) {
            assertEquals(q4.config(), rung.executor().config());
            int[] tooLong = new int[1025];
            Arrays.fill(tooLong, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rung.executor().step(StepBatch.of(new SequenceStep(1, 0, tooLong, false))));
            assertTrue(e.getMessage().contains("the context limit is 1024"), e.getMessage());
        }
    }

    @Test
    void aFloorAboveTheDesiredContextIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ladder(2048, 4096, MIB));
        assertThrows(IllegalArgumentException.class, () -> new LadderConfig(List.of("m"), 2048, 4096,
                java.util.OptionalLong.empty(), 0.9));
        assertThrows(IllegalArgumentException.class, () -> new LadderConfig(List.of("m"), 4096, 2048,
                java.util.OptionalLong.empty(), 1.5));
        assertFalse(new LadderConfig(List.of("m"), 1024, LadderConfig.defaultFloor(1024),
                java.util.OptionalLong.empty(), 0.9).models().isEmpty());
        assertEquals(1024, LadderConfig.defaultFloor(1024));
        assertEquals(2048, LadderConfig.defaultFloor(8192));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024.0));
    }
}
