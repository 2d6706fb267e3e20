package io.gemmafleet.engine.ladder;

import io.gemmafleet.engine.KvFootprint;
import io.gemmafleet.engine.MemoryPlanner;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Test fixture: a two-rung ladder of tiny random-weight Gemma 3 GGUF files, {@code tiny-bf16.gguf} (about 34 MiB of
 * weights, nearly all of it the 262144-row embedding) then {@code tiny-q4_0.gguf} (about 9 MiB), and budgets that
 * buy a given rung at a given context.
 */
public final class LadderModels {

    public static final long MIB = 1L << 20;
    /** The tiny shape's own context limit. */
    public static final int MODEL_CONTEXT = TestModelShape.tiny().contextLength();

    private LadderModels() {}

    /** Writes both models into {@code dir}; returns their paths, bf16 first. */
    public static List<String> write(Path dir) {
        return List.of(write(dir, "tiny-bf16.gguf", TestModelDtype.BF16), write(dir, "tiny-q4_0.gguf",
                TestModelDtype.Q4_0));
    }

    private static String write(Path dir, String name, TestModelDtype dtype) {
        Path file = dir.resolve(name);
        try {
            TestModelWriter.write(file, TestModelFormat.GGUF, TestModelShape.tiny(), dtype, 11);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toString();
    }

    /** The planner the worker uses with a batch of 8: f32 full cache, 512-token chunks, 8 logit rows. */
    public static MemoryPlanner planner() {
        return new MemoryPlanner(new KvFootprint(Float.BYTES, false), 512, 8);
    }

    /** Bytes a plan of {@code rung} at {@code context} needs: weights + activations + KV. */
    public static long need(MemoryPlanner planner, MemoryPlanner.Rung rung, int context) {
        return planner.bytesNeeded(rung, context);
    }

    /** The ladder as the CPU backend sizes it (weights as stored). */
    public static ModelLadder probe(List<String> models) {
        return ModelLadder.probe(models, Checkpoint::decoderWeightBytes);
    }
}
