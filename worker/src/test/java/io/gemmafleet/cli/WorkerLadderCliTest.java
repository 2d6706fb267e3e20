package io.gemmafleet.cli;

import static io.gemmafleet.engine.ladder.LadderModels.need;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.engine.MemoryPlanner;
import io.gemmafleet.engine.ladder.LadderModels;
import io.gemmafleet.engine.ladder.ModelLadder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's ladder options: {@code --plan-only} prints the start plan, a ladder that does not fit is a one-line
 * refusal with the numbers and exit code 2, and bad ladder options are usage errors; no broker is contacted.
 */
class WorkerLadderCliTest {

    @TempDir
    static Path dir;

    private static List<String> models;
    private static MemoryPlanner.Rung q4;
    private final MemoryPlanner planner = WorkerCommand.planner(new CpuBackend(), 8, EngineConfig.DEFAULT_STEP_TOKENS);

    @BeforeAll
    static void writeModels() {
        models = LadderModels.write(dir);
        ModelLadder probed = LadderModels.probe(models);
        q4 = probed.entry(1).rung();
    }

    private static CliRun worker(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(new String[] {"worker", "--bootstrap", "localhost:1", "--backend", "cpu", "--ladder"}, 0,
                all, 0, 6);
        System.arraycopy(args, 0, all, 6, args.length);
        return CliRun.of(all);
    }

    private static String ladder() {
        return String.join(",", models);
    }

    @Test
    void planOnlyPrintsTheStartPlan() {
        CliRun o = worker(ladder(), "--memory-budget", Long.toString(need(planner, q4, 4096)), "--plan-only");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().startsWith("rung 2/2: tiny-q4_0.gguf at context 4096: weights "), o.out());
        assertTrue(o.err().contains("ladder: serving rung 2/2: tiny-q4_0.gguf at context 4096"), o.err());
    }

    @Test
    void aSmallerBudgetGivesAShorterContext() {
        CliRun o = worker(ladder(), "--context", "4096", "--context-floor", "1024", "--memory-budget",
                Long.toString(need(planner, q4, 1024)), "--plan-only");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().startsWith("rung 2/2: tiny-q4_0.gguf at context 1024: "), o.out());
    }

    @Test
    void aStepOfFewerThanTwoTokensIsAUsageError() {
        CliRun o = worker(ladder(), "--step-tokens", "1", "--plan-only");
        assertEquals(2, o.exitCode(), o.err());
        assertTrue(o.err().contains("--step-tokens"), o.err());
    }

    @Test
    void theStepSizesTheActivationsOfThePlan() {
        CliRun small = worker(ladder(), "--step-tokens", "64", "--plan-only");
        CliRun large = worker(ladder(), "--step-tokens", "2048", "--plan-only");
        assertEquals(0, small.exitCode(), small.err());
        assertEquals(0, large.exitCode(), large.err());
        assertTrue(!small.out().equals(large.out()), "activations differ: " + small.out() + " / " + large.out());
    }

    @Test
    void aLadderThatDoesNotFitIsAOneLineRefusalWithExitCode2() {
        CliRun o = worker(ladder(), "--memory-budget", "4MiB", "--context-floor", "1024");
        assertEquals(2, o.exitCode(), o.err());
        List<String> lines = o.err().lines().filter(l -> l.startsWith("error:")).toList();
        assertEquals(1, lines.size(), o.err());
        String line = lines.getFirst();
        assertTrue(line.startsWith("error: refusing to start: no model on the ladder fits 4 MiB even at the context "
                + "floor 1024: tiny-bf16.gguf at context 1024: weights "), line);
        assertTrue(line.contains("; tiny-q4_0.gguf at context 1024: weights "), line);
        assertTrue(line.endsWith(" (budget from --memory-budget)"), line);
        assertTrue(!o.err().contains("Exception") && !o.err().contains("\tat "), o.err());
    }

    @Test
    void aModelAloneIsAOneRungLadder() {
        CliRun o = CliRun.of("worker", "--bootstrap", "localhost:1", "--backend", "cpu", "--model", models.get(0),
                "--context", "2048", "--plan-only");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().startsWith("rung 1/1: tiny-bf16.gguf at context 2048: "), o.out());
        assertTrue(o.err().contains("(budget from physical memory (no --memory-budget))"), o.err());
    }

    @Test
    void badLadderOptionsAreUsageErrors() {
        assertUsageError(worker(ladder(), "--memory-budget", "lots"), "--memory-budget", "'lots' is not a size");
        assertUsageError(worker(ladder(), "--context", "1024", "--context-floor", "2048"), "context floor 2048");
        assertUsageError(worker(ladder(), "--gpu-memory-utilisation", "0"), "utilisation 0.0 must be in (0, 1]");
        assertUsageError(worker(ladder(), "--model", models.get(0)), "--model or --ladder, not both");
    }

    private static void assertUsageError(CliRun o, String... fragments) {
        assertEquals(2, o.exitCode(), o.err());
        for (String f : fragments) {
            assertTrue(o.err().contains(f), "'" + f + "' in: " + o.err());
        }
        assertTrue(!o.err().contains("\tat "), o.err());
    }
}
