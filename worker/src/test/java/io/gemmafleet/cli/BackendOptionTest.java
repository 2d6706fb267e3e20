package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.FakeGpuBackend;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --backend} on the commands that open a model, with the test-only {@link FakeGpuBackend} (never usable)
 * on the class path: the choice is said in one line, and a bad or unusable name is a one-line usage error with
 * exit code 2, found before any model is loaded.
 */
class BackendOptionTest {

    @TempDir
    static Path dir;

    private static String model;

    @BeforeAll
    static void writeModel() {
        model = TinyModels.writeGguf(dir).toString();
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static CliRun generate(String backend) {
        return run("generate", "--model", model, "--threads", "2", "--prompt-ids", "2,105", "--max-tokens", "2",
                "--temperature", "0", "--json", "--backend", backend);
    }

    @Test
    void unknownBackendIsAOneLineUsageError() {
        // the model does not exist: the backend is checked first
        CliRun o = run("generate", "--backend", "nope", "--model", dir.resolve("missing.gguf").toString());
        assertUsageError(o, "--backend", "unknown backend 'nope'", "auto", "cpu", FakeGpuBackend.NAME);
    }

    @Test
    void unavailableBackendIsAOneLineUsageErrorWithTheReason() {
        assertUsageError(generate(FakeGpuBackend.NAME), "--backend", FakeGpuBackend.NAME, FakeGpuBackend.REASON);
    }

    @Test
    void benchAndWorkerRejectABadBackendTheSameWay() {
        assertUsageError(run("bench", "--model", model, "--backend", "nope"), "--backend", "nope");
        // no broker is contacted: the backend is resolved before the model loads and the worker starts
        assertUsageError(CliRun.capture(() -> CliErrors.execute(new CommandLine(new WorkerCommand()),
                "--bootstrap", "localhost:1", "--backend", "nope")), "--backend", "nope");
    }

    @Test
    void cpuByNameSaysSoInOneLine() {
        CliRun o = generate("cpu");
        assertEquals(0, o.exitCode(), o.err());
        assertEquals(List.of("Backend: cpu"), o.err().lines().filter(l -> l.startsWith("Backend")).toList(), o.err());
        assertFalse(o.err().contains(FakeGpuBackend.NAME), o.err());
    }

    @Test
    void autoPassesOverTheUnavailableAcceleratorAndSaysWhy() {
        for (CliRun o : List.of(generate("auto"), run("generate", "--model", model, "--threads", "2",
                "--prompt-ids", "2,105", "--max-tokens", "2", "--temperature", "0", "--json"))) {
            assertEquals(0, o.exitCode(), o.err());
            List<String> lines = o.err().lines().toList();
            assertTrue(lines.contains(FakeGpuBackend.NAME + " backend not used: " + FakeGpuBackend.REASON), o.err());
            assertTrue(lines.contains("Backend: cpu (--backend auto)"), o.err());
        }
    }

    @Test
    void helpDescribesTheOption() {
        for (String command : List.of("generate", "bench")) {
            CliRun o = run(command, "--help");
            assertEquals(0, o.exitCode(), o.err());
            assertTrue(o.out().contains("--backend=NAME"), o.out());
            assertTrue(o.out().contains("auto, cpu or cuda"), o.out());
        }
    }

    /** Exit code 2, nothing on stdout, and one line on stderr naming every fragment, without a stack trace. */
    private static void assertUsageError(CliRun o, String... fragments) {
        assertEquals(2, o.exitCode(), "stdout: " + o.out() + "\nstderr: " + o.err());
        assertTrue(o.out().isBlank(), o.out());
        List<String> lines = o.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + o.err());
        assertFalse(o.err().contains("\tat ") || o.err().contains("Exception"), "no stack trace: " + o.err());
        for (String f : fragments) {
            assertTrue(lines.getFirst().contains(f), "the error should name " + f + ": " + lines.getFirst());
        }
    }
}
