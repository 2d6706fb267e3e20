package io.gemmafleet.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
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
 * Requests with images in the engine, on the tiny random model with the paged CPU executor: an image span is fed
 * whole however small the chunks, batching and prefix sharing change no token, and the prefix cache tells images
 * apart by content although their placeholder tokens are all alike.
 */
class EngineImageTest {

    private static final int CONTEXT = 256;
    /** The placeholder id Gemma 3 uses; beyond this test model's vocabulary, which a span's positions may be. */
    private static final int SOFT_TOKEN = 262_144;
    private static final int IMAGE_TOKENS = 32;

    @TempDir
    static Path dir;

    private static Checkpoint checkpoint;
    private static GemmaTokenizer tokenizer;
    private static ModelExecutor paged;
    private static ModelExecutor reference;
    private static Gemma3Config config;

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

    /** An image's embeddings: random rows of about the size of scaled token embeddings. */
    private static float[] embeddings(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] e = new float[IMAGE_TOKENS * config.hiddenSize()];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (random.nextGaussian() * 0.5);
        }
        return e;
    }

    private static int[] text(int length, long seed) {
        return new SplittableRandom(seed).ints(length, 300, 5000).toArray();
    }

    /** {@code before}, the image's placeholders, then {@code after}; its span named by {@code imageSeed}. */
    private static GenerationRequest withImage(long id, int[] before, long imageSeed, int[] after, int steps) {
        int[] prompt = new int[before.length + IMAGE_TOKENS + after.length];
        System.arraycopy(before, 0, prompt, 0, before.length);
        Arrays.fill(prompt, before.length, before.length + IMAGE_TOKENS, SOFT_TOKEN);
        System.arraycopy(after, 0, prompt, before.length + IMAGE_TOKENS, after.length);
        ImageSpan span = new ImageSpan(before.length, IMAGE_TOKENS, embeddings(imageSeed), "image-" + imageSeed);
        return new GenerationRequest(id, prompt, SamplingParams.greedy(steps), true, 0,
                GenerationRequest.NO_DEADLINE, List.of(span));
    }

    /** The reference: the whole prompt in one step on an executor that keeps every position, then arg-max. */
    private static int[] alone(GenerationRequest r) {
        int steps = r.params().maxTokens();
        int[] out = new int[steps];
        float[] logits = reference.step(StepBatch.of(
                new SequenceStep(1, 0, r.promptTokens(), true, null, r.images())))[0];
        for (int i = 0; i < steps; i++) {
            out[i] = Sampler.argMax(logits);
            if (i + 1 < steps) {
                logits = reference.step(StepBatch.of(
                        new SequenceStep(1, r.promptTokens().length + i, new int[] {out[i]}, true)))[0];
            }
        }
        reference.release(1);
        return out;
    }

    private static final class Run {
        final AtomicLong clock = new AtomicLong(1_000);
        final Map<Long, GenerationResult> results = new LinkedHashMap<>();
        final Engine engine;

        Run(int maxRunning, int stepTokens, int chunk) {
            EngineConfig c = new EngineConfig(maxRunning, stepTokens, chunk, CONTEXT,
                    KvPoolSize.forSequences(config, maxRunning, CONTEXT, Math.max(chunk, IMAGE_TOKENS)), true);
            engine = new Engine(paged, tokenizer, c, TextListener.NONE, r -> results.put(r.id(), r), clock::get);
        }

        void stepUntilIdle() {
            for (int guard = 0; guard < 10_000 && !engine.idle(); guard++) {
                engine.step();
                clock.addAndGet(1_000);
            }
            assertTrue(engine.idle(), "the engine should finish every request");
        }

        void assertAlone(GenerationRequest r) {
            GenerationResult result = results.get(r.id());
            assertArrayEquals(alone(r), result.tokenIds(), "request " + r.id());
            assertEquals(FinishReason.LENGTH, result.finishReason());
        }
    }

    @Test
    void anImageIsFedWholeThroughSmallChunksAndBatchingChangesNoToken() {
        // Chunks of 8 would cut the 32-token image four times; the engine feeds it in one step instead.
        Run run = new Run(3, 24, 8);
        GenerationRequest a = withImage(1, text(10, 1), 100, text(6, 2), 8);
        GenerationRequest b = withImage(2, text(3, 3), 200, text(20, 4), 5);
        GenerationRequest plain = new GenerationRequest(3, text(40, 5), SamplingParams.greedy(7), true);
        List.of(a, b, plain).forEach(run.engine::submit);
        run.stepUntilIdle();
        run.assertAlone(a);
        run.assertAlone(b);
        assertArrayEquals(alone(plain), run.results.get(3L).tokenIds());
    }

    @Test
    void theImageChangesTheAnswer() {
        // Guards the test above against an executor that ignores the embeddings.
        GenerationRequest one = withImage(1, text(10, 11), 300, text(6, 12), 6);
        GenerationRequest other = withImage(2, text(10, 11), 301, text(6, 12), 6);
        assertTrue(!Arrays.equals(alone(one), alone(other)), "two images, same text: the greedy tokens should differ");
    }

    @Test
    void theSameImageAfterTheSamePrefixComesFromThePrefixCacheAndAnotherImageDoesNot() {
        Run run = new Run(2, 64, 16);
        int[] before = text(10, 21);
        GenerationRequest first = withImage(1, before, 400, text(6, 22), 4);
        run.engine.submit(first);
        run.stepUntilIdle();

        long hits = run.engine.counters().prefixHitTokens();
        GenerationRequest again = withImage(2, before, 400, text(9, 23), 4);
        run.engine.submit(again);
        run.stepUntilIdle();
        // Positions 0..41 are the same text and image: the two full blocks (0..31) are shared.
        assertEquals(32, run.engine.counters().prefixHitTokens() - hits);
        run.assertAlone(again);

        hits = run.engine.counters().prefixHitTokens();
        GenerationRequest different = withImage(3, before, 401, text(6, 22), 4);
        run.engine.submit(different);
        run.stepUntilIdle();
        // The first block already holds six image positions: another image shares nothing.
        assertEquals(0, run.engine.counters().prefixHitTokens() - hits);
        run.assertAlone(different);
    }

    @Test
    void aCacheHitThatEndsInsideAnImageFeedsTheRestOfItWhole() {
        Run run = new Run(2, 64, 8);
        int[] before = text(20, 31); // the image spans positions 20..51: the first shared block ends inside it
        GenerationRequest first = withImage(1, before, 500, text(5, 32), 3);
        run.engine.submit(first);
        run.stepUntilIdle();
        long hits = run.engine.counters().prefixHitTokens();
        GenerationRequest second = withImage(2, before, 500, text(7, 33), 3);
        run.engine.submit(second);
        run.stepUntilIdle();
        assertEquals(48, run.engine.counters().prefixHitTokens() - hits, "blocks 0..47 shared, 16 of them image");
        run.assertAlone(second);
    }

    @Test
    void aStepMayNotEndInsideAnImage() {
        ImageSpan span = new ImageSpan(4, 8, new float[8 * 2], "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SequenceStep(1, 0, new int[6], false, null, List.of(span)));
        assertTrue(e.getMessage().contains("inside the image span 4..11"), e.getMessage());
    }

    @Test
    void aTextOnlyBackendRefusesImageRequests() {
        ModelExecutor textOnly = new ModelExecutor() {
            @Override
            public Gemma3Config config() {
                return config;
            }

            @Override
            public float[][] step(StepBatch batch) {
                throw new AssertionError("no step expected");
            }

            @Override
            public void release(long sequenceId) {}

            @Override
            public void close() {}
        };
        Engine engine = new Engine(textOnly, tokenizer, EngineConfig.forWorker(config, 1, CONTEXT),
                TextListener.NONE, r -> {}, System::nanoTime);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.submit(withImage(1, text(4, 41), 600, text(2, 42), 1)));
        assertTrue(e.getMessage().contains("text only"), e.getMessage());
    }
}
