package io.gemmafleet.kernels.check;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.engine.kv.SelfPagingExecutor;
import io.gemmafleet.kernels.backend.CudaBackend;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.sampling.TokenChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Whole-model checks: greedy tokens of the CUDA backend against the CPU backend, and decode speed. */
final class ModelChecks {

    private ModelChecks() {}

    /** Greedy decode of {@code steps} tokens after {@code prompt}, on one executor. */
    static List<Integer> greedy(ModelExecutor executor, int[] prompt, int steps, long sequenceId) {
        List<Integer> out = new ArrayList<>();
        int next = executor.stepGreedy(StepBatch.of(new SequenceStep(sequenceId, 0, prompt, true)))[0];
        int position = prompt.length;
        for (int i = 0; i < steps; i++) {
            out.add(next);
            if (i + 1 < steps) {
                next = executor.stepGreedy(StepBatch.of(new SequenceStep(sequenceId, position++, new int[] {next},
                        true)))[0];
            }
        }
        executor.release(sequenceId);
        return out;
    }

    /** The CPU executor, stepped by sequence id like the CUDA one (it pages with the engine's block tables). */
    private static ModelExecutor cpuExecutor(Gemma3Weights weights, int threads, int context) {
        return new SelfPagingExecutor(new CpuBackend().open(weights, new ExecutorOptions(threads, context)), 8,
                context);
    }

    /**
     * CPU and CUDA greedy tokens for one prompt, and the CUDA tokens of four sequences decoded together in one
     * batch (each must equal its run alone).
     */
    static Map<String, Object> parity(String modelPath, int[] prompt, int steps, int cpuThreads) {
        Map<String, Object> result = new LinkedHashMap<>();
        try (Checkpoint checkpoint = CheckpointLoader.load(modelPath)) {
            Gemma3Weights weights = Gemma3Weights.from(checkpoint);
            int context = prompt.length + steps + 8;
            List<Integer> cpu;
            float[] cpuLogits;
            try (ModelExecutor e = cpuExecutor(weights, cpuThreads, context)) {
                cpuLogits = e.step(StepBatch.of(new SequenceStep(2, 0, prompt, true)))[0];
                e.release(2);
                cpu = greedy(e, prompt, steps, 1);
            }
            List<Integer> cuda;
            List<List<Integer>> batchedAlone = new ArrayList<>();
            List<List<Integer>> batchedTogether;
            try (ModelExecutor e = new CudaBackend().open(weights, new ExecutorOptions(0, context))) {
                float[] cudaLogits = e.step(StepBatch.of(new SequenceStep(2, 0, prompt, true)))[0];
                e.release(2);
                result.put("prefill_logits", compareLogits(cpuLogits, cudaLogits));
                cuda = greedy(e, prompt, steps, 1);
                int[][] prompts = variants(prompt, 4);
                for (int s = 0; s < prompts.length; s++) {
                    batchedAlone.add(greedy(e, prompts[s], steps, 100 + s));
                }
                batchedTogether = greedyBatch(e, prompts, steps);
            }
            // Sampled decoding through stepSample: the device sampler against the host's TokenChoice.pick.
            List<Integer> cpuSampled;
            try (ModelExecutor e = cpuExecutor(weights, cpuThreads, context)) {
                cpuSampled = sampled(e, prompt, steps);
            }
            List<Integer> cudaSampled;
            try (ModelExecutor e = new CudaBackend().open(weights, new ExecutorOptions(0, context))) {
                cudaSampled = sampled(e, prompt, steps);
            }
            result.put("cpu_sampled", cpuSampled);
            result.put("cuda_sampled", cudaSampled);
            result.put("sampled_equal", cpuSampled.equals(cudaSampled));
            List<Integer> cudaEager;
            System.setProperty("gemmafleet.cuda.graphs", "false");
            try (ModelExecutor e = new CudaBackend().open(weights, new ExecutorOptions(0, context))) {
                cudaEager = greedy(e, prompt, steps, 1);
            } finally {
                System.clearProperty("gemmafleet.cuda.graphs");
            }
            int firstDifference = -1;
            for (int i = 0; i < steps; i++) {
                if (!cpu.get(i).equals(cuda.get(i))) {
                    firstDifference = i;
                    break;
                }
            }
            result.put("model", modelPath);
            result.put("prompt", prompt);
            result.put("cpu", cpu);
            result.put("cuda", cuda);
            result.put("cuda_without_graphs", cudaEager);
            result.put("equal", cpu.equals(cuda));
            result.put("graphs_equal_eager", cuda.equals(cudaEager));
            result.put("first_difference", firstDifference);
            result.put("batched_equal_alone", batchedAlone.equals(batchedTogether));
        }
        return result;
    }

    /**
     * Where a decode step's device time goes: per kernel (matmuls per matrix shape), summed over {@code steps}
     * profiled steps after two warm-up steps, with graphs off so each launch can be timed.
     */
    static Map<String, Object> profile(String modelPath, int[] batches, int steps, int promptLength) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", modelPath);
        try (Checkpoint checkpoint = CheckpointLoader.load(modelPath)) {
            Gemma3Weights weights = Gemma3Weights.from(checkpoint);
            System.setProperty("gemmafleet.cuda.graphs", "false");
            try (ModelExecutor e = new CudaBackend().open(weights,
                    new ExecutorOptions(0, promptLength + steps + 8))) {
                Random random = new Random(11);
                for (int batch : batches) {
                    DecodingBatch decoding = new DecodingBatch(e, randomPrompts(batch, promptLength,
                            weights.config().vocabSize(), random));
                    for (int i = 0; i < steps + 2; i++) {
                        if (i == 2) {
                            io.gemmafleet.kernels.cuda.KernelProfiler.start();
                        }
                        decoding.decodeStep();
                    }
                    Map<String, double[]> totals = io.gemmafleet.kernels.cuda.KernelProfiler.finish();
                    decoding.release();
                    List<Map.Entry<String, double[]>> sorted = new ArrayList<>(totals.entrySet());
                    sorted.sort((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]));
                    double sum = sorted.stream().mapToDouble(x -> x.getValue()[1]).sum() / steps;
                    System.out.printf("  batch %d: %.3f ms of kernel time per decode step%n", batch, sum);
                    Map<String, Object> rows = new LinkedHashMap<>();
                    for (Map.Entry<String, double[]> x : sorted) {
                        double perStep = x.getValue()[1] / steps;
                        rows.put(x.getKey(), Map.of("launches_per_step", x.getValue()[0] / steps, "ms_per_step",
                                perStep));
                        if (rows.size() <= 10) {
                            System.out.printf("    %-40s %4.0f launches %8.3f ms (%4.1f%%)%n", x.getKey(),
                                    x.getValue()[0] / steps, perStep, 100 * perStep / sum);
                        }
                    }
                    result.put("batch_" + batch, Map.of("kernel_ms_per_step", sum, "kernels", rows));
                }
            } finally {
                System.clearProperty("gemmafleet.cuda.graphs");
            }
        }
        return result;
    }

    /** Largest difference of the prompt's last logits (absolute, and relative to their spread) and top-10 overlap. */
    static Map<String, Object> compareLogits(float[] cpu, float[] cuda) {
        double maxDiff = 0;
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < cpu.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(cpu[i] - cuda[i]));
            lo = Math.min(lo, cpu[i]);
            hi = Math.max(hi, cpu[i]);
        }
        java.util.Set<Integer> topCpu = top(cpu, 10);
        java.util.Set<Integer> overlap = new java.util.HashSet<>(top(cuda, 10));
        overlap.retainAll(topCpu);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_abs_difference", maxDiff);
        m.put("relative_to_range", maxDiff / Math.max(1e-9, hi - lo));
        m.put("top10_overlap", overlap.size());
        return m;
    }

    private static java.util.Set<Integer> top(float[] x, int k) {
        Integer[] idx = new Integer[x.length];
        for (int i = 0; i < x.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(x[b], x[a]));
        return new java.util.HashSet<>(java.util.Arrays.asList(idx).subList(0, k));
    }

    /** Decoding with temperature 0.8, top-k 40, top-p 0.95 and uniforms from a fixed stream. */
    static List<Integer> sampled(ModelExecutor executor, int[] prompt, int steps) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        List<Integer> out = new ArrayList<>();
        int position = 0;
        int[] feed = prompt;
        for (int i = 0; i < steps; i++) {
            TokenChoice choice = new TokenChoice(0.8f, 40, 0.95f, 0f, random.nextDouble());
            int next = executor.stepSample(StepBatch.of(new SequenceStep(7, position, feed, true)),
                    List.of(choice))[0];
            out.add(next);
            position += feed.length;
            feed = new int[] {next};
        }
        executor.release(7);
        return out;
    }

    /** {@code count} prompts derived from one: rotated and of different lengths, so a batch mixes positions. */
    static int[][] variants(int[] prompt, int count) {
        int[][] out = new int[count][];
        for (int s = 0; s < count; s++) {
            int length = Math.max(1, prompt.length - s);
            out[s] = new int[length];
            for (int i = 0; i < length; i++) {
                out[s][i] = prompt[(i + s) % prompt.length];
            }
        }
        return out;
    }

    /** Greedy decode of several sequences stepping together: one prefill step for all, then one token each. */
    static List<List<Integer>> greedyBatch(ModelExecutor e, int[][] prompts, int steps) {
        int n = prompts.length;
        List<SequenceStep> prefill = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            prefill.add(new SequenceStep(1000 + s, 0, prompts[s], true));
        }
        int[] next = e.stepGreedy(new StepBatch(prefill));
        int[] positions = new int[n];
        List<List<Integer>> out = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            positions[s] = prompts[s].length;
            out.add(new ArrayList<>());
        }
        for (int i = 0; i < steps; i++) {
            List<SequenceStep> decode = new ArrayList<>();
            for (int s = 0; s < n; s++) {
                out.get(s).add(next[s]);
                decode.add(new SequenceStep(1000 + s, positions[s]++, new int[] {next[s]}, true));
            }
            if (i + 1 < steps) {
                next = e.stepGreedy(new StepBatch(decode));
            }
        }
        for (int s = 0; s < n; s++) {
            e.release(1000 + s);
        }
        return out;
    }

    /**
     * Decode speed: for each batch size, {@code batch} sequences with random {@code promptLength}-token prompts are
     * prefilled in one step, then {@code steps} greedy decode steps are timed (after two untimed ones).
     */
    static Map<String, Object> bench(String modelPath, int[] batches, int steps, int promptLength,
                                     double copyBandwidth, List<Boolean> graphModes) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", modelPath);
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Checkpoint checkpoint = CheckpointLoader.load(modelPath)) {
            Gemma3Weights weights = Gemma3Weights.from(checkpoint);
            int context = promptLength + steps + 8;
            for (boolean graphs : graphModes) {
                System.setProperty("gemmafleet.cuda.graphs", Boolean.toString(graphs));
                System.out.println("  CUDA graphs " + (graphs ? "on" : "off"));
                try (ModelExecutor e = new CudaBackend().open(weights, new ExecutorOptions(0, context))) {
                    long weightBytes = io.gemmafleet.kernels.backend.CudaExecutorInfo.weightBytesPerStep(e);
                    result.put("weight_bytes_per_step", weightBytes);
                    Random random = new Random(7);
                    for (int batch : batches) {
                        rows.add(benchBatch(e, randomPrompts(batch, promptLength, weights.config().vocabSize(),
                                random), steps, weightBytes, copyBandwidth, graphs));
                    }
                }
            }
        }
        result.put("rows", rows);
        return result;
    }

    /** One batch size of {@link #bench}: timed prefill, two untimed decode steps, {@code steps} timed ones. */
    private static Map<String, Object> benchBatch(ModelExecutor e, int[][] prompts, int steps, long weightBytes,
                                                  double copyBandwidth, boolean graphs) {
        int batch = prompts.length;
        long start = System.nanoTime();
        DecodingBatch decoding = new DecodingBatch(e, prompts);
        double prefillSeconds = (System.nanoTime() - start) / 1e9;
        long timedStart = 0;
        for (int i = 0; i < steps + 2; i++) {
            if (i == 2) {
                timedStart = System.nanoTime();
            }
            decoding.decodeStep();
        }
        double stepSeconds = (System.nanoTime() - timedStart) / 1e9 / steps;
        decoding.release();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("batch", batch);
        row.put("graphs", graphs);
        row.put("ms_per_step", stepSeconds * 1e3);
        row.put("tokens_per_s", batch / stepSeconds);
        row.put("prefill_tokens_per_s", batch * prompts[0].length / prefillSeconds);
        double bandwidth = weightBytes / stepSeconds;
        row.put("weight_stream_GBps", bandwidth / 1e9);
        if (copyBandwidth > 0) {
            row.put("fraction_of_copy_bandwidth", bandwidth / copyBandwidth);
        }
        System.out.printf("  batch %3d: %7.3f ms/step, %9.1f tok/s, weights streamed at %6.0f GB/s%n",
                batch, stepSeconds * 1e3, batch / stepSeconds, bandwidth / 1e9);
        return row;
    }

    /** {@code batch} prompts of random token ids (never the special ids 0 and 1). */
    private static int[][] randomPrompts(int batch, int length, int vocab, Random random) {
        int[][] prompts = new int[batch][length];
        for (int[] p : prompts) {
            for (int i = 0; i < length; i++) {
                p[i] = 2 + random.nextInt(vocab - 2);
            }
        }
        return prompts;
    }

    /**
     * Sequences 0 .. n-1 prefilled together in one step, then decoded greedily together, one token each per step:
     * the shape of a steady decode batch that the benchmark and the profile measure.
     */
    private static final class DecodingBatch {
        private final ModelExecutor executor;
        private int[] next;
        private int position;

        DecodingBatch(ModelExecutor executor, int[][] prompts) {
            this.executor = executor;
            List<SequenceStep> prefill = new ArrayList<>();
            for (int s = 0; s < prompts.length; s++) {
                prefill.add(new SequenceStep(s, 0, prompts[s], true));
            }
            this.next = executor.stepGreedy(new StepBatch(prefill));
            this.position = prompts[0].length;
        }

        void decodeStep() {
            List<SequenceStep> decode = new ArrayList<>();
            for (int s = 0; s < next.length; s++) {
                decode.add(new SequenceStep(s, position, new int[] {next[s]}, true));
            }
            next = executor.stepGreedy(new StepBatch(decode));
            position++;
        }

        void release() {
            for (int s = 0; s < next.length; s++) {
                executor.release(s);
            }
        }
    }
}
