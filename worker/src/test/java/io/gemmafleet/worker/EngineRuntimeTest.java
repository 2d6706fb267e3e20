package io.gemmafleet.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.generate.FinishReason;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime the worker drives: what {@link EngineRuntime#abandonAll} hands back at shutdown. */
class EngineRuntimeTest {

    @TempDir
    static Path dir;

    @Test
    void abandoningReturnsEveryHeldRequestIncludingThoseEndedOnTheWay() {
        try (Checkpoint checkpoint = CheckpointLoader.load(TinyModels.writeGguf(dir).toString());
             ModelExecutor executor = TinyModels.cpuExecutor(checkpoint, 64)) {
            GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
            EngineRuntime runtime = EngineRuntime.single(executor, tokenizer,
                    new ServedModel("w", "tiny.gguf", "tiny", 64, true), 2);
            int[] prompt = IntStream.range(0, 10).map(i -> 300 + i).toArray();
            runtime.submit(new GenerationRequest(1, prompt, SamplingParams.greedy(20), true));
            runtime.step();
            runtime.submit(new GenerationRequest(2, prompt, SamplingParams.greedy(20), true));
            // Too long for the 64-position context: ended by the engine's intake during abandonAll itself.
            runtime.submit(new GenerationRequest(3, IntStream.range(0, 60).map(i -> 300 + i).toArray(),
                    SamplingParams.greedy(10), true));
            List<GenerationResult> out = runtime.abandonAll();
            assertEquals(List.of(1L, 2L, 3L), out.stream().map(GenerationResult::id).sorted().toList());
            assertEquals(FinishReason.CONTEXT_LENGTH_EXCEEDED,
                    out.stream().filter(r -> r.id() == 3).findFirst().orElseThrow().finishReason());
            assertTrue(out.stream().filter(r -> r.id() != 3).allMatch(r -> r.finishReason() == FinishReason.CANCELLED));
            assertTrue(runtime.idle());
        }
    }
}
