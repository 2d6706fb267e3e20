package io.gemmafleet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.testmodel.TestModelShape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory planner on Gemma 3 shapes: which rung and context a budget buys, and a refusal that shows why. */
class MemoryPlannerTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    /** 27B's shape (gemma3-facts.md): 62 layers, 16 kv heads of 128, window 1024, every 6th layer global. */
    private static Gemma3Config gemma27b() {
        return new Gemma3Config(5376, 62, 32, 16, 128, 21504, 262208, 131072, 1024,
                Gemma3Config.layerKindsFromPattern(62, 6), (float) Math.pow(168, -0.5), 1_000_000, 10_000, 8, 1e-6f,
                (float) Math.sqrt(5376), true);
    }

    private final Gemma3Config c27 = gemma27b();
    private final MemoryPlanner.Rung bf16 = new MemoryPlanner.Rung("gemma-3-27b bf16", c27, 54_000 * MIB);
    private final MemoryPlanner.Rung qat = new MemoryPlanner.Rung("gemma-3-27b QAT Q4_0", c27, 15_600 * MIB);
    private final MemoryPlanner planner = new MemoryPlanner(new KvFootprint(2, false), 512, 16);

    @Test
    void aFullCacheHoldsTwoRowsOfKvDimPerLayerAndPosition() {
        // 62 layers x 2 (K, V) x 2048 (16 x 128) x 2 bytes = 507 904 bytes a position
        assertEquals(507_904L * 8192, new KvFootprint(2, false).bytes(c27, 8192));
    }

    @Test
    void keepingOnlyTheWindowOnLocalLayersCutsLongContextsToAboutASixth() {
        KvFootprint full = new KvFootprint(2, false);
        KvFootprint windowed = new KvFootprint(2, true);
        long fullBytes = full.bytes(c27, 131072);
        long windowedBytes = windowed.bytes(c27, 131072);
        // 10 of 62 layers are global: they keep everything; the 52 local ones keep 1024 positions each.
        assertEquals(2L * 2048 * 2 * (10L * 131072 + 52L * 1024), windowedBytes);
        assertTrue(windowedBytes * 5 < fullBytes, "windowed " + windowedBytes + " vs full " + fullBytes);
        assertEquals(full.bytes(c27, 1024), windowed.bytes(c27, 1024), "no saving within the window");
    }

    @Test
    void aLargeBudgetTakesTheFirstRungAtTheDesiredContext() {
        MemoryPlanner.Plan p = planner.plan(List.of(bf16, qat), 8192, 2048, 80 * GIB);
        assertEquals(bf16, p.rung());
        assertEquals(8192, p.context());
        assertTrue(p.totalBytes() <= 80 * GIB);
        assertTrue(p.describe().startsWith("gemma-3-27b bf16 at context 8192: weights 54000 MiB"), p.describe());
    }

    @Test
    void aSmallerBudgetFallsBackToTheQatRungBeforeShorteningTheContext() {
        MemoryPlanner.Plan p = planner.plan(List.of(bf16, qat), 8192, 2048, 24 * GIB);
        assertEquals(qat, p.rung());
        assertEquals(8192, p.context());
    }

    @Test
    void whenNoRungFitsTheContextIsHalvedDownToTheFloor() {
        long weightsAndActivations = qat.weightBytes() + planner.activationBytes(c27);
        long kv4096 = new KvFootprint(2, false).bytes(c27, 4096);
        // Room for the QAT weights and a 4096-position cache, not an 8192 one.
        MemoryPlanner.Plan p = planner.plan(List.of(bf16, qat), 8192, 2048, weightsAndActivations + kv4096 + MIB);
        assertEquals(qat, p.rung());
        assertEquals(4096, p.context());
    }

    @Test
    void aFloorBetweenHalvingsIsTriedItself() {
        long weightsAndActivations = qat.weightBytes() + planner.activationBytes(c27);
        long kv3000 = new KvFootprint(2, false).bytes(c27, 3000);
        MemoryPlanner.Plan p = planner.plan(List.of(qat), 8192, 3000, weightsAndActivations + kv3000);
        assertEquals(3000, p.context(), "8192 -> 4096 -> the floor 3000, not 2048");
    }

    @Test
    void tooLittleMemoryIsARefusalThatStatesTheNumbers() {
        MemoryPlanner.PlanRefusedException e = assertThrows(MemoryPlanner.PlanRefusedException.class,
                () -> planner.plan(List.of(bf16, qat), 8192, 2048, 12 * GIB));
        assertTrue(e.getMessage().contains("12288 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("context floor 2048"), e.getMessage());
        assertTrue(e.getMessage().contains("gemma-3-27b QAT Q4_0 at context 2048: weights 15600 MiB"), e.getMessage());
    }

    @Test
    void aModelsOwnContextLimitCapsThePlan() {
        TestModelShape tiny = TestModelShape.tiny();
        Gemma3Config c = new Gemma3Config(tiny.hidden(), tiny.layers(), tiny.heads(), tiny.kvHeads(), tiny.headDim(),
                tiny.ffn(), tiny.vocabRows(), 4096, tiny.slidingWindow(),
                Gemma3Config.layerKindsFromPattern(tiny.layers(), 6), 0.25f, 1_000_000, 10_000, 1, 1e-6f, 8f, true);
        MemoryPlanner.Plan p = planner.plan(List.of(new MemoryPlanner.Rung("tiny", c, 10 * MIB)), 32768, 1024,
                64 * GIB);
        assertEquals(4096, p.context());
    }
}
