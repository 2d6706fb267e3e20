package io.gemmafleet.testmodel;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.engine.kv.SelfPagingExecutor;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Test fixture: the tiny random-weight Gemma 3 (Q8_0 GGUF), written once per test class into its temp folder. */
public final class TinyModels {

    /** Seed of the weights every test class uses, so their models are the same. */
    public static final long SEED = 3;

    private TinyModels() {}

    /** Writes {@code tiny.gguf} (tiny shape, Q8_0) into {@code dir} and returns its path. */
    public static Path writeGguf(Path dir) {
        Path file = dir.resolve("tiny.gguf");
        try {
            TestModelWriter.write(file, TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, SEED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A CPU executor on {@code checkpoint}'s weights with two threads and the given context limit. */
    public static ModelExecutor cpuExecutor(Checkpoint checkpoint, int maxContext) {
        return new CpuBackend().open(Gemma3Weights.from(checkpoint), new ExecutorOptions(2, maxContext));
    }

    /** The CPU executor behind a {@link SelfPagingExecutor}, for tests that step it by sequence id by hand. */
    public static ModelExecutor steppableCpuExecutor(Checkpoint checkpoint, int maxContext) {
        return new SelfPagingExecutor(cpuExecutor(checkpoint, maxContext), 16, maxContext);
    }
}
