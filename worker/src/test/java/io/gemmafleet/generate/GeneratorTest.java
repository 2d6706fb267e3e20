package io.gemmafleet.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.Sampler;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.sampling.TokenLogprob;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Generator} on the tiny random-weight model: its outputs are checked against a hand-rolled decoding loop,
 * against itself in other batch compositions and seeds, and for its finish reasons, stop strings, streaming and
 * logprobs. Outputs are never hard-coded.
 */
class GeneratorTest {

    private static final int PREFILL_CHUNK = 5; // smaller than the prompts, so prefill goes in chunks

    @TempDir
    static Path dir;

    private static Checkpoint checkpoint;
    private static GemmaTokenizer tokenizer;
    private static ModelExecutor executor;

    @BeforeAll
    static void load() {
        checkpoint = CheckpointLoader.load(TinyModels.writeGguf(dir).toString());
        tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
        executor = TinyModels.steppableCpuExecutor(checkpoint, 128);
    }

    @AfterAll
    static void close() {
        executor.close();
        checkpoint.close();
    }

    @Test
    void greedyGenerationEqualsAHandRolledArgMaxLoop() {
        int[] prompt = prompt(13, 1);
        int n = 12;
        GenerationResult result = generator(executor).generate(
                new GenerationRequest(1, prompt, SamplingParams.greedy(n), true), TextListener.NONE);

        int[] expected = new int[n];
        float[] logits = executor.step(StepBatch.of(new SequenceStep(99, 0, prompt, true)))[0];
        for (int i = 0; i < n; i++) {
            expected[i] = Sampler.argMax(logits);
            if (i + 1 < n) {
                logits = executor.step(StepBatch.of(
                        new SequenceStep(99, prompt.length + i, new int[] {expected[i]}, true)))[0];
            }
        }
        executor.release(99);

        assertArrayEquals(expected, result.tokenIds());
        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertEquals(prompt.length, result.promptTokens());
        assertEquals(tokenizer.decode(expected), result.text());
    }

    @Test
    void requestsInOneBatchGetWhatTheyGetAlone() {
        List<List<GenerationResult>> byParams = new ArrayList<>();
        for (SamplingParams base : List.of(SamplingParams.greedy(1), params(3.0, 7L, 1, List.of(), 0))) {
            List<GenerationRequest> requests = List.of(
                    new GenerationRequest(1, prompt(3, 2), base.withMaxTokens(6), true),
                    new GenerationRequest(2, prompt(17, 3), base.withMaxTokens(3), true),
                    new GenerationRequest(3, prompt(9, 4), base.withMaxTokens(5), true));
            List<GenerationResult> together = generator(executor).generate(requests, TextListener.NONE);
            byParams.add(together);
            assertEquals(3, together.size());
            for (int i = 0; i < requests.size(); i++) {
                GenerationResult alone = generator(executor).generate(requests.get(i), TextListener.NONE);
                assertEquals(requests.get(i).id(), together.get(i).id(), "results come back in request order");
                assertArrayEquals(alone.tokenIds(), together.get(i).tokenIds(),
                        "request " + requests.get(i).id() + " with temperature " + base.temperature());
                assertEquals(alone.text(), together.get(i).text());
                assertEquals(requests.get(i).params().maxTokens(), together.get(i).tokenIds().length);
            }
        }
        assertNotEquals(Arrays.toString(byParams.get(0).getFirst().tokenIds()),
                Arrays.toString(byParams.get(1).getFirst().tokenIds()), "the sampled run should not be greedy");
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        int[] prompt = prompt(6, 5);
        // the whole distribution (no top-k/top-p), flattened: the random model's logits spread over about 75, so at
        // temperature 1 it is nearly greedy
        int[] first = sample(prompt, 11L);
        assertArrayEquals(first, sample(prompt, 11L));
        assertNotEquals(Arrays.toString(first), Arrays.toString(sample(prompt, 12L)));
        // and sampling is not greedy
        int[] greedy = generator(executor).generate(new GenerationRequest(1, prompt, SamplingParams.greedy(6), true),
                TextListener.NONE).tokenIds();
        assertNotEquals(Arrays.toString(first), Arrays.toString(greedy));
    }

    private int[] sample(int[] prompt, long seed) {
        SamplingParams p = new SamplingParams(8.0, 0, 1, 0, 1, 0, 0, seed, 6, List.of(), 0);
        return generator(executor).generate(new GenerationRequest(1, prompt, p, true), TextListener.NONE).tokenIds();
    }

    @Test
    void maxTokensEndsWithLength() {
        for (int max : new int[] {1, 2, 6}) {
            GenerationResult r = generator(executor).generate(
                    new GenerationRequest(4, prompt(8, 6), SamplingParams.greedy(max)), TextListener.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(max, r.tokenIds().length);
        }
    }

    /**
     * The random model almost never picks an end-of-generation token, so a wrapper makes the model's logits favour
     * one at a chosen step; the generator must end there with STOP, keep the token id and leave its text out.
     */
    @Test
    void anEndOfGenerationTokenEndsWithStop() {
        int[] prompt = prompt(7, 7);
        GenerationResult plain = generator(executor).generate(
                new GenerationRequest(5, prompt, SamplingParams.greedy(6), true), TextListener.NONE);
        for (int eog : new int[] {tokenizer.endOfTurnId(), tokenizer.eosId()}) {
            assertTrue(tokenizer.isEndOfGeneration(eog));
            ForcingExecutor forcing = new ForcingExecutor(executor, 5, 3, eog);
            StreamedText streamed = new StreamedText();
            GenerationResult r = generator(forcing).generate(
                    new GenerationRequest(5, prompt, SamplingParams.greedy(6)), streamed);
            assertEquals(FinishReason.STOP, r.finishReason(), "token " + eog);
            int[] expected = Arrays.copyOf(plain.tokenIds(), 4);
            expected[3] = eog;
            assertArrayEquals(expected, r.tokenIds());
            assertEquals(tokenizer.decode(Arrays.copyOf(plain.tokenIds(), 3)), r.text());
            assertEquals(r.text(), streamed.of(5));
            assertEquals(List.of(5L), forcing.released, "the finished sequence is released");

            // ignoring end-of-generation tokens runs on to max_tokens
            ForcingExecutor again = new ForcingExecutor(executor, 5, 3, eog);
            GenerationResult ignored = generator(again).generate(
                    new GenerationRequest(5, prompt, SamplingParams.greedy(6), true), TextListener.NONE);
            assertEquals(FinishReason.LENGTH, ignored.finishReason());
            assertEquals(6, ignored.tokenIds().length);
            assertEquals(eog, ignored.tokenIds()[3]);
        }
    }

    @Test
    void aStopStringCutsTheTextAndEndsWithStop() {
        int[] prompt = prompt(10, 8);
        int max = 16;
        GenerationResult plain = generator(executor).generate(
                new GenerationRequest(6, prompt, SamplingParams.greedy(max), true), TextListener.NONE);
        String full = plain.text();
        // a stop string from the middle of the text, at its first occurrence
        int at = full.length() / 2;
        while (at > 0 && Character.isLowSurrogate(full.charAt(at))) {
            at--;
        }
        String stop = full.substring(at, Math.min(full.length(), at + 3));
        int first = full.indexOf(stop);
        assertTrue(first > 0, "the text should not start with the stop string: " + full);

        StreamedText streamed = new StreamedText();
        GenerationResult r = generator(executor).generate(
                new GenerationRequest(6, prompt, params(0, null, max, List.of(stop, "\u0000never"), 0), true),
                streamed);
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(full.substring(0, first), r.text());
        assertEquals(r.text(), streamed.of(6));
        assertTrue(r.tokenIds().length < max, "generation stops at the stop string");
        assertArrayEquals(Arrays.copyOf(plain.tokenIds(), r.tokenIds().length), r.tokenIds());
    }

    @Test
    void streamedTextAddsUpToTheResultText() {
        List<GenerationRequest> requests = List.of(
                new GenerationRequest(1, prompt(4, 9), SamplingParams.greedy(8), true),
                new GenerationRequest(2, prompt(11, 10), params(3.0, 3L, 6, List.of(), 0), true),
                new GenerationRequest(3, prompt(6, 11), params(2.0, 4L, 10, List.of("e", "a"), 0), true));
        StreamedText streamed = new StreamedText();
        List<GenerationResult> results = generator(executor).generate(requests, streamed);
        for (GenerationResult r : results) {
            assertEquals(r.text(), streamed.of(r.id()), "request " + r.id());
            if (r.id() != 3 || r.finishReason() == FinishReason.LENGTH) {
                assertEquals(tokenizer.decode(r.tokenIds()), r.text(), "request " + r.id());
            }
        }
        assertFalse(results.get(2).text().contains("e") || results.get(2).text().contains("a"));
    }

    @Test
    void logprobsAreReportedWhenAskedFor() {
        int[] prompt = prompt(5, 12);
        for (double temperature : new double[] {0, 3.0}) {
            GenerationResult r = generator(executor).generate(new GenerationRequest(7, prompt,
                    params(temperature, 5L, 4, List.of(), 4), true), TextListener.NONE);
            assertEquals(r.tokenIds().length, r.logprobs().size());
            for (int i = 0; i < r.logprobs().size(); i++) {
                TokenLogprob lp = r.logprobs().get(i);
                assertEquals(r.tokenIds()[i], lp.token());
                assertEquals(4, lp.top().size());
                assertTrue(lp.logprob() <= 0);
                assertTrue(lp.logprob() <= lp.top().getFirst().logprob() + 1e-6f, "chosen above the best: " + lp);
                for (int k = 1; k < lp.top().size(); k++) {
                    assertTrue(lp.top().get(k).logprob() <= lp.top().get(k - 1).logprob(), "most likely first");
                }
                if (temperature == 0) {
                    assertEquals(lp.token(), lp.top().getFirst().token(), "greedy picks the most likely token");
                }
            }
        }
        GenerationResult none = generator(executor).generate(
                new GenerationRequest(7, prompt, SamplingParams.greedy(3)), TextListener.NONE);
        assertTrue(none.logprobs().isEmpty());
    }

    @Test
    void everySequenceIsReleasedEvenWhenAStepFails() {
        ForcingExecutor failing = new ForcingExecutor(executor, 2, 1, -1) {
            @Override
            public float[][] step(StepBatch batch) {
                if (batch.steps().stream().anyMatch(s -> s.sequenceId() == 2 && s.startPosition() >= 8)) {
                    throw new IllegalStateException("boom");
                }
                return super.step(batch);
            }
        };
        List<GenerationRequest> requests = List.of(
                new GenerationRequest(1, prompt(4, 13), SamplingParams.greedy(2)),
                new GenerationRequest(2, prompt(6, 14), SamplingParams.greedy(8)));
        assertThrows(IllegalStateException.class, () -> generator(failing).generate(requests, TextListener.NONE));
        assertEquals(List.of(1L, 2L), failing.released.stream().sorted().toList());
    }

    @Test
    void plainGreedyRequestsTakeTheExecutorsArgMaxAndMatchTheLogitsPath() {
        int[] prompt = prompt(11, 4);
        int n = 10;
        int[] greedyCalls = new int[1];
        ModelExecutor counting = new ModelExecutor() {
            @Override
            public Gemma3Config config() {
                return executor.config();
            }

            @Override
            public float[][] step(StepBatch batch) {
                return executor.step(batch);
            }

            @Override
            public int[] stepGreedy(StepBatch batch) {
                greedyCalls[0]++;
                return executor.stepGreedy(batch);
            }

            @Override
            public void release(long sequenceId) {
                executor.release(sequenceId);
            }

            @Override
            public void close() {}
        };
        GenerationResult chosenOnDevice = generator(counting).generate(
                new GenerationRequest(1, prompt, SamplingParams.greedy(n), true), TextListener.NONE);
        assertTrue(greedyCalls[0] > 0, "a plain greedy request should use stepGreedy");

        // Asking for logprobs needs the logits, so the same request then takes the logits path: same tokens.
        SamplingParams g = SamplingParams.greedy(n);
        SamplingParams withLogprobs = new SamplingParams(g.temperature(), g.topK(), g.topP(), g.minP(),
                g.repetitionPenalty(), g.presencePenalty(), g.frequencyPenalty(), g.seed(), g.maxTokens(), g.stop(), 2);
        int before = greedyCalls[0];
        GenerationResult fromLogits = generator(counting).generate(
                new GenerationRequest(2, prompt, withLogprobs, true), TextListener.NONE);
        assertEquals(before, greedyCalls[0], "a request with logprobs must not use stepGreedy");
        assertArrayEquals(fromLogits.tokenIds(), chosenOnDevice.tokenIds());
        assertEquals(n, chosenOnDevice.tokenIds().length);
    }

    private static Generator generator(ModelExecutor on) {
        AtomicLong now = new AtomicLong(1_000);
        return new Generator(on, tokenizer, PREFILL_CHUNK, () -> now.addAndGet(1_000_000));
    }

    private static SamplingParams params(double temperature, Long seed, int max, List<String> stop, int logprobs) {
        return new SamplingParams(temperature, 64, 0.95, 0, 1, 0, 0, seed, max, stop, logprobs);
    }

    /** BOS, then ordinary token ids. */
    private static int[] prompt(int length, long seed) {
        int[] ids = new SplittableRandom(seed).ints(length, 300, 200_300).toArray();
        ids[0] = tokenizer.bosId();
        return ids;
    }

    /** Collects streamed text per request. */
    private static final class StreamedText implements TextListener {
        final Map<Long, StringBuilder> text = new HashMap<>();

        @Override
        public void onText(long requestId, String piece) {
            text.computeIfAbsent(requestId, id -> new StringBuilder()).append(piece);
        }

        String of(long id) {
            return text.getOrDefault(id, new StringBuilder()).toString();
        }
    }

    /**
     * The real executor, except that the {@code atLogits}-th logits (counting from 0) returned for one sequence
     * favour {@code token} above all others; records released ids.
     */
    private static class ForcingExecutor implements ModelExecutor {
        final ModelExecutor delegate;
        final long sequence;
        final int atLogits;
        final int token;
        final List<Long> released = new ArrayList<>();
        int seen;

        ForcingExecutor(ModelExecutor delegate, long sequence, int atLogits, int token) {
            this.delegate = delegate;
            this.sequence = sequence;
            this.atLogits = atLogits;
            this.token = token;
        }

        @Override
        public Gemma3Config config() {
            return delegate.config();
        }

        @Override
        public float[][] step(StepBatch batch) {
            float[][] logits = delegate.step(batch);
            for (int i = 0; i < logits.length; i++) {
                if (batch.steps().get(i).sequenceId() == sequence && logits[i] != null && seen++ == atLogits
                        && token >= 0) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (float v : logits[i]) {
                        max = Math.max(max, v);
                    }
                    logits[i][token] = max + 100;
                }
            }
            return logits;
        }

        @Override
        public void release(long sequenceId) {
            released.add(sequenceId);
            delegate.release(sequenceId);
        }

        @Override
        public void close() {}
    }
}
