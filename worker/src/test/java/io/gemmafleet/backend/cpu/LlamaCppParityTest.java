package io.gemmafleet.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.engine.kv.SelfPagingExecutor;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.reference.LlamaCppReference;
import io.gemmafleet.sampling.Sampler;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU forward pass against llama.cpp on the same random-weight GGUF files and the same prompt ids: 32 greedy
 * tokens must be identical, the first step's logits must agree over the whole vocabulary, and at every step our
 * logits for llama.cpp's eight best tokens must agree with its values.
 *
 * <p>Tolerance, as a fraction of the spread of llama.cpp's first-step logits (about 75 on these models): llama.cpp
 * evaluates GELU through an f16 table and, for Q8_0/Q4_0 weights, rounds the activations to Q8_0 (for BF16
 * weights, to bf16) before its dot products, while we keep activations in f32. Measured 2026-11-27: F32 0.02%,
 * BF16 0.4%, Q8_0 and Q4_0 1.0–1.2% of the spread; the bounds are {@link #tolerance}. K-quants (llama.cpp rounds the
 * activations to Q8_K for them) measured 2026-11-27: Q4_K 1.6%, Q5_K 1.5%, Q6_K 1.5%, Q4_K_M 1.4%; Q4_1, Q5_0, Q5_1 and
 * the tiny Q4_K_M / QAT mixes 0.9–1.3%.
 */
class LlamaCppParityTest {

    private static final int STEPS = 32;
    private static final int PROMPT_LENGTH = 40; // longer than the window of 16: sliding layers must forget

    static Stream<Arguments> models() {
        TestModelShape tiny = TestModelShape.tiny();
        TestModelShape twoKvHeadsScaledRope = new TestModelShape("tiny-2kv-rope8", 64, 8, 4, 2, 16, 128, 16, 6,
                1_000_000, 10_000, 8, 4096, 262144, false);
        // 62 layers: llama.cpp scales attention by 1/sqrt(hidden/heads) = 1/sqrt(24) here, not 1/sqrt(head_dim).
        TestModelShape sixtyTwoLayers = new TestModelShape("tiny-62-layers", 96, 62, 4, 2, 16, 64, 16, 6,
                1_000_000, 10_000, 8, 4096, 262144, false);
        // K-quants need rows that are multiples of 256: hidden 256, ffn 512, 4 heads of 64 (attn_output rows 256).
        TestModelShape kQuant = new TestModelShape("k-quant", 256, 8, 4, 1, 64, 512, 16, 6,
                1_000_000, 10_000, 1, 4096, 262144, false);
        // Seed 7, except where seed 7 meets a step whose two best logits llama.cpp separates by less than the noise
        // of its activation rounding (~0.3 here): Q5_K step 21 (gap 0.10) and Q5_1 step 16 (gap 0.007) flip there.
        return Stream.of(
                Arguments.of(kQuant, TestModelDtype.Q4_K, 7),
                Arguments.of(kQuant, TestModelDtype.Q5_K, 8),
                Arguments.of(kQuant, TestModelDtype.Q6_K, 7),
                Arguments.of(kQuant, TestModelDtype.Q4_K_M, 7),
                Arguments.of(tiny, TestModelDtype.Q4_K_M, 7), // rows of 64/128: Q5_0 / Q8_0 fallbacks, as in a 1B file
                Arguments.of(tiny, TestModelDtype.QAT_Q4_0, 7),
                Arguments.of(tiny, TestModelDtype.Q4_1, 7),
                Arguments.of(tiny, TestModelDtype.Q5_0, 7),
                Arguments.of(tiny, TestModelDtype.Q5_1, 9),
                Arguments.of(tiny, TestModelDtype.F32, 7),
                Arguments.of(tiny, TestModelDtype.BF16, 7),
                Arguments.of(tiny, TestModelDtype.Q8_0, 7),
                Arguments.of(tiny, TestModelDtype.Q4_0, 7),
                Arguments.of(twoKvHeadsScaledRope, TestModelDtype.Q8_0, 7),
                Arguments.of(sixtyTwoLayers, TestModelDtype.F32, 7));
    }

    static float tolerance(TestModelDtype dtype) {
        return switch (dtype) {
            case F32 -> 0.001f;
            case BF16 -> 0.01f;
            default -> 0.02f;
        };
    }

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("models")
    void greedyTokensAndLogitsMatchLlamaCpp(TestModelShape shape, TestModelDtype dtype, long seed, @TempDir Path dir)
            throws Exception {
        Path gguf = dir.resolve("model.gguf");
        TestModelWriter.write(gguf, TestModelFormat.GGUF, shape, dtype, seed);
        int[] prompt = prompt(shape.name().hashCode());

        LlamaCppReference.Run reference = LlamaCppReference.greedy(gguf, prompt, STEPS, 2);
        Ours ours = runOurs(gguf.toString(), prompt, reference.topIds());

        float worstFirst = maxAbsDifference(reference.firstLogits(), ours.firstLogits);
        assertArrayEquals(reference.tokens(), ours.tokens,
                () -> divergence(reference, ours) + " (first-step max |dlogit| " + worstFirst + ")");
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : reference.firstLogits()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float tol = tolerance(dtype) * (max - min);
        assertTrue(worstFirst <= tol, "first-step logits differ by up to " + worstFirst + " (tolerance " + tol + ")");
        for (int step = 0; step < STEPS; step++) {
            float worst = maxAbsDifference(reference.topLogits().get(step), ours.topLogits.get(step));
            assertTrue(worst <= tol, "step " + step + ": top logits differ by up to " + worst);
        }
        System.out.printf("llama.cpp parity %s %s: %d tokens equal; first-step max |dlogit| %.4f of spread %.1f%n",
                shape.name(), dtype, STEPS, worstFirst, max - min);
    }

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("models")
    void theSameModelAsSafetensorsGivesTheSameTokens(TestModelShape shape, TestModelDtype dtype, long seed,
                                                     @TempDir Path dir)
            throws Exception {
        if (!dtype.fitsSafetensors() || shape.layers() > 8) {
            return; // quantized types exist only as GGUF; the 62-layer case is covered above
        }
        Path gguf = dir.resolve("model.gguf");
        Path hf = dir.resolve("hf");
        TestModelWriter.write(gguf, TestModelFormat.GGUF, shape, dtype, 11);
        TestModelWriter.write(hf, TestModelFormat.SAFETENSORS, shape, dtype, 11);
        int[] prompt = prompt(99);
        assertArrayEquals(runOurs(gguf.toString(), prompt, List.of()).tokens,
                runOurs(hf.toString(), prompt, List.of()).tokens);
    }

    /** Where the tokens first differ: llama.cpp's best ids and logits there, and ours for the same ids. */
    private static String divergence(LlamaCppReference.Run reference, Ours ours) {
        int step = 0;
        while (step < STEPS && reference.tokens()[step] == ours.tokens[step]) {
            step++;
        }
        return "greedy tokens differ from llama.cpp at step " + step + ": llama.cpp top ids "
                + Arrays.toString(reference.topIds().get(step)) + " logits "
                + Arrays.toString(reference.topLogits().get(step)) + ", ours for those ids "
                + Arrays.toString(ours.topLogits.get(step));
    }

    /** BOS, then random ordinary token ids. */
    private static int[] prompt(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[PROMPT_LENGTH];
        ids[0] = 2;
        for (int i = 1; i < ids.length; i++) {
            ids[i] = 300 + random.nextInt(200_000);
        }
        return ids;
    }

    private record Ours(int[] tokens, float[] firstLogits, List<float[]> topLogits) {}

    /** Greedy decoding with our executor; records our logits at llama.cpp's best ids of each step. */
    private static Ours runOurs(String model, int[] prompt, List<int[]> referenceTop) {
        try (Checkpoint checkpoint = CheckpointLoader.load(model);
             ModelExecutor executor = new SelfPagingExecutor(new CpuBackend().open(Gemma3Weights.from(checkpoint),
                     new ExecutorOptions(2, PROMPT_LENGTH + STEPS + 1)), 1, PROMPT_LENGTH + STEPS + 1)) {
            int[] tokens = new int[STEPS];
            List<float[]> top = new ArrayList<>();
            float[] logits = executor.step(StepBatch.of(new SequenceStep(1, 0, prompt, true)))[0];
            float[] first = logits.clone();
            for (int step = 0; step < STEPS; step++) {
                if (step < referenceTop.size()) {
                    int[] ids = referenceTop.get(step);
                    float[] values = new float[ids.length];
                    for (int i = 0; i < ids.length; i++) {
                        values[i] = logits[ids[i]];
                    }
                    top.add(values);
                }
                tokens[step] = Sampler.argMax(logits);
                if (step + 1 < STEPS) {
                    logits = executor.step(StepBatch.of(
                            new SequenceStep(1, prompt.length + step, new int[] {tokens[step]}, true)))[0];
                }
            }
            return new Ours(tokens, first, top);
        }
    }

    private static float maxAbsDifference(float[] a, float[] b) {
        float worst = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return a.length == b.length ? worst : Float.POSITIVE_INFINITY;
    }
}
