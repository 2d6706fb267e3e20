package io.gemmafleet.cli;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.engine.kv.SelfPagingExecutor;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures the runtime's raw speed on a model: prefill and decode tokens per second at given batch sizes, the
 * figures {@code llama-bench} reports ({@code pp} and {@code tg}), so the two can be set side by side.
 *
 * <p>Prompts are random token ids; every sequence of a batch prefills together in one step, then all decode in
 * lockstep. Decode tokens/s counts every sequence's tokens (aggregate throughput).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Prefill and decode tokens/s at several batch sizes (tab-separated output).")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "GGUF file, Hugging Face folder or ollama:NAME")
    String model;

    @Mixin
    BackendOption backend;

    @Option(names = "--batch", split = ",", defaultValue = "1", description = "batch sizes, e.g. 1,8")
    List<Integer> batches;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prompt length per sequence")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "32", description = "decode steps")
    int genTokens;

    @Option(names = "--threads", defaultValue = "0", description = "compute threads (0 = all cores)")
    int threads;

    @Option(names = "--repetitions", defaultValue = "3", description = "runs per batch size; the median is reported")
    int repetitions;

    @Override
    public Integer call() {
        Backend device = backend.select(System.err);
        try (Checkpoint checkpoint = CheckpointLoader.load(model);
             ModelExecutor executor = SelfPagingExecutor.steppable(device.open(Gemma3Weights.from(checkpoint),
                     new ExecutorOptions(threads, promptTokens + genTokens + 1)),
                     batches.stream().mapToInt(Integer::intValue).max().orElse(1), promptTokens + genTokens + 1)) {
            System.out.println("batch\tprefill_tok_s\tdecode_tok_s");
            for (int batch : batches) {
                runOnce(executor, batch, Math.min(4, genTokens)); // warm the JIT for this shape, unmeasured
                List<double[]> runs = new ArrayList<>();
                for (int r = 0; r < repetitions; r++) {
                    runs.add(runOnce(executor, batch, genTokens));
                }
                System.out.printf(Locale.ROOT, "%d\t%.2f\t%.2f%n", batch, median(runs, 0), median(runs, 1));
            }
        }
        return 0;
    }

    /** One prefill of {@code batch} random prompts, then {@code steps} decode steps; returns {prefill, decode} tok/s. */
    private double[] runOnce(ModelExecutor executor, int batch, int steps) {
        SplittableRandom random = new SplittableRandom(batch);
        int vocab = executor.config().vocabSize();
        List<SequenceStep> prefill = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            int[] prompt = random.ints(promptTokens, 0, Math.min(vocab, 256_000)).toArray();
            prefill.add(new SequenceStep(s, 0, prompt, true));
        }
        long t0 = System.nanoTime();
        float[][] logits = executor.step(new StepBatch(prefill));
        long t1 = System.nanoTime();
        int[] last = new int[batch];
        for (int s = 0; s < batch; s++) {
            last[s] = Sampler.argMax(logits[s]);
        }
        for (int step = 0; step < steps; step++) {
            List<SequenceStep> decode = new ArrayList<>();
            for (int s = 0; s < batch; s++) {
                decode.add(new SequenceStep(s, promptTokens + step, new int[] {last[s]}, true));
            }
            logits = executor.step(new StepBatch(decode));
            for (int s = 0; s < batch; s++) {
                last[s] = Sampler.argMax(logits[s]);
            }
        }
        long t2 = System.nanoTime();
        for (int s = 0; s < batch; s++) {
            executor.release(s);
        }
        return new double[] {batch * promptTokens / ((t1 - t0) / 1e9), batch * steps / ((t2 - t1) / 1e9)};
    }

    private static double median(List<double[]> runs, int column) {
        double[] values = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }
}
