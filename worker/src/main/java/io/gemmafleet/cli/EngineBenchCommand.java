package io.gemmafleet.cli;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.engine.Engine;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.engine.KvFootprint;
import io.gemmafleet.engine.kv.KvPoolSize;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures the engine as a worker uses it (continuous batching, paged cache), in three parts:
 * <ol>
 *   <li>throughput: the same requests (random prompts, greedy, fixed length) submitted {@code C} at a time for each
 *       concurrency, against the same requests run one at a time;</li>
 *   <li>time to first token of short requests arriving while a long prompt is prefilled, against the same short
 *       requests on an idle engine;</li>
 *   <li>cache memory: blocks held by one long sequence against a full cache, and the per-sequence cache of the
 *       published Gemma 3 shapes at 8K and 128K positions.</li>
 * </ol>
 * Output is tab-separated, one section per part.
 */
@Command(name = "engine-bench", mixinStandardHelpOptions = true,
        description = "Continuous-batching throughput, time to first token under a long prefill, KV memory.")
public final class EngineBenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "GGUF file, Hugging Face folder or ollama:NAME")
    String model;

    @Mixin
    BackendOption backend;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16,64", description = "requests at once")
    List<Integer> concurrency;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "prompt length of the throughput requests")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "32", description = "tokens each request generates")
    int genTokens;

    @Option(names = "--alone-samples", defaultValue = "4", description = "requests timed one at a time (baseline)")
    int aloneSamples;

    @Option(names = "--long-prompt", defaultValue = "2048", description = "the long prompt's length (TTFT part)")
    int longPrompt;

    @Option(names = "--short-requests", defaultValue = "16", description = "short requests arriving during it")
    int shortRequests;

    @Option(names = "--threads", defaultValue = "0", description = "compute threads (0 = all cores)")
    int threads;

    @Override
    public Integer call() {
        Backend device = backend.select(System.err);
        int context = Math.max(longPrompt + genTokens, promptTokens + genTokens) + 16;
        try (Checkpoint checkpoint = CheckpointLoader.load(model);
             ModelExecutor executor = device.open(Gemma3Weights.from(checkpoint),
                     new ExecutorOptions(threads, context))) {
            GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
            Bench bench = new Bench(executor, tokenizer, context);
            throughput(bench);
            timeToFirstToken(bench);
            cacheMemory(bench, executor.config());
        }
        return 0;
    }

    /** One engine per measurement, on the shared executor; results by request id. */
    private record Bench(ModelExecutor executor, GemmaTokenizer tokenizer, int context) {

        Map<Long, GenerationResult> run(List<GenerationRequest> requests, int maxRunning, int stepTokens,
                                        Runnable betweenSteps, Engine[] engineOut) {
            EngineConfig config = new EngineConfig(maxRunning, stepTokens, Math.max(1, stepTokens / 2), context,
                    KvPoolSize.forSequences(executor.config(), maxRunning, context, stepTokens), false);
            Map<Long, GenerationResult> results = new HashMap<>();
            Engine engine = new Engine(executor, tokenizer, config, TextListener.NONE, r -> results.put(r.id(), r),
                    System::nanoTime);
            if (engineOut != null) {
                engineOut[0] = engine;
            }
            requests.forEach(engine::submit);
            while (engine.step() || !engine.idle()) {
                betweenSteps.run();
            }
            return results;
        }
    }

    private List<GenerationRequest> requests(int count, int length, int gen, long seed, long firstId) {
        int vocab = 256_000;
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = new SplittableRandom(seed + i).ints(length, 300, vocab).toArray();
            prompt[0] = 2; // BOS
            out.add(new GenerationRequest(firstId + i, prompt, SamplingParams.greedy(gen), true));
        }
        return out;
    }

    private void throughput(Bench bench) {
        warmUp(bench, 1);
        long aloneNanos = 0;
        for (GenerationRequest r : requests(aloneSamples, promptTokens, genTokens, 7, 1)) {
            long t0 = System.nanoTime();
            bench.run(List.of(r), 1, EngineConfig.DEFAULT_STEP_TOKENS, () -> {}, null);
            aloneNanos += System.nanoTime() - t0;
        }
        double alone = (double) aloneSamples * genTokens / (aloneNanos / 1e9);
        System.out.println("# throughput: generated tokens/s, requests of " + promptTokens + " prompt + " + genTokens
                + " generated tokens");
        System.out.println("concurrency\ttok_s\tone_at_a_time_tok_s\tratio");
        for (int c : concurrency) {
            warmUp(bench, c);
            List<GenerationRequest> batch = requests(c, promptTokens, genTokens, 7, 1);
            long t0 = System.nanoTime();
            Map<Long, GenerationResult> out = bench.run(batch, c, Math.max(EngineConfig.DEFAULT_STEP_TOKENS,
                    c * promptTokens), () -> {}, null);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long generated = out.values().stream().mapToLong(g -> g.tokenIds().length).sum();
            System.out.printf(Locale.ROOT, "%d\t%.2f\t%.2f\t%.2f%n", c, generated / seconds, alone,
                    generated / seconds / alone);
        }
    }

    /**
     * An unmeasured run of {@code c} short requests, so the JIT has compiled the kernels' tile shapes for a step of
     * {@code c} tokens before the measured one (otherwise the first run at a new width pays for compilation).
     */
    private void warmUp(Bench bench, int c) {
        bench.run(requests(c, 8, 4, 999, 1), c, EngineConfig.DEFAULT_STEP_TOKENS, () -> {}, null);
    }

    private void timeToFirstToken(Bench bench) {
        List<GenerationRequest> shorts = requests(shortRequests, 16, 8, 100, 100);
        // Baseline: the short requests on an idle engine, one arriving per step.
        List<Double> idle = ttft(bench, shorts, null);
        GenerationRequest longOne = requests(1, longPrompt, 4, 50, 1).getFirst();
        List<Double> loaded = ttft(bench, shorts, longOne);
        System.out.println("# time to first token (ms) of " + shortRequests + " short requests (16 prompt tokens), "
                + "one arriving per step");
        System.out.println("condition\tp50_ms\tp99_ms\tmax_ms");
        print("idle engine", idle);
        print("during a " + longPrompt + "-token prefill", loaded);
    }

    /** TTFT of the short requests, submitted one per step, after {@code first} (if any) has started. */
    private List<Double> ttft(Bench bench, List<GenerationRequest> shorts, GenerationRequest first) {
        List<GenerationRequest> pending = new ArrayList<>(shorts);
        Engine[] engine = new Engine[1];
        Runnable arrive = () -> {
            if (!pending.isEmpty()) {
                engine[0].submit(pending.removeFirst());
            }
        };
        List<GenerationRequest> initial = first == null ? List.of(pending.removeFirst()) : List.of(first);
        Map<Long, GenerationResult> out = bench.run(initial, shorts.size() + 1, EngineConfig.DEFAULT_STEP_TOKENS,
                arrive, engine);
        return shorts.stream().map(r -> out.get(r.id()).prefillNanos() / 1e6).sorted().toList();
    }

    private static void print(String condition, List<Double> ms) {
        System.out.printf(Locale.ROOT, "%s\t%.1f\t%.1f\t%.1f%n", condition, percentile(ms, 0.50),
                percentile(ms, 0.99), ms.getLast());
    }

    private static double percentile(List<Double> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private void cacheMemory(Bench bench, Gemma3Config config) {
        System.out.println("# KV cache (f32) of one sequence: blocks held by the paged cache vs a full cache");
        System.out.println("model\tpositions\tpaged_MiB\tfull_MiB\tratio\tsource");
        // Measured: one long sequence on this model; the engine's blocks in use at its longest.
        GenerationRequest longOne = requests(1, longPrompt, genTokens, 60, 1).getFirst();
        Engine[] engine = new Engine[1];
        long[] most = new long[2];
        bench.run(List.of(longOne), 1, EngineConfig.DEFAULT_STEP_TOKENS, () -> {
            var s = engine[0].cacheStats();
            most[0] = Math.max(most[0], s.globalInUse());
            most[1] = Math.max(most[1], s.localInUse());
        }, engine);
        long paged = most[0] * KvPoolSize.blockBytes(config, Float.BYTES, true)
                + most[1] * KvPoolSize.blockBytes(config, Float.BYTES, false);
        long full = new KvFootprint(Float.BYTES, false).bytes(config, longOne.maxPositions());
        row("this model", longOne.maxPositions(), paged, full, "measured (blocks in use)");
        for (var shape : PublishedShape.values()) {
            for (int positions : new int[] {8192, 131072}) {
                Gemma3Config c = shape.config();
                row(shape.label, positions, new KvFootprint(Float.BYTES, true).bytes(c, positions),
                        new KvFootprint(Float.BYTES, false).bytes(c, positions),
                        positions > shape.maxPositions ? "computed (beyond its " + shape.maxPositions
                                + " positions)" : "computed");
            }
        }
    }

    private static void row(String model, int positions, long paged, long full, String source) {
        System.out.printf(Locale.ROOT, "%s\t%d\t%.1f\t%.1f\t%.2f\t%s%n", model, positions, paged / 1048576.0,
                full / 1048576.0, (double) paged / full, source);
    }

    /** The cache-relevant dimensions of published Gemma 3 text decoders (config.json; see gemma3-facts.md). */
    private enum PublishedShape {
        GEMMA_1B("gemma-3-1b", 26, 1, 256, 512, 32768),
        GEMMA_4B("gemma-3-4b", 34, 4, 256, 1024, 131072),
        GEMMA_27B("gemma-3-27b", 62, 16, 128, 1024, 131072);

        final String label;
        final int layers;
        final int kvHeads;
        final int headDim;
        final int window;
        final int maxPositions;

        PublishedShape(String label, int layers, int kvHeads, int headDim, int window, int maxPositions) {
            this.label = label;
            this.layers = layers;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            this.window = window;
            this.maxPositions = maxPositions;
        }

        /** A config with these dimensions; the fields the cache does not depend on are placeholders. */
        Gemma3Config config() {
            return new Gemma3Config(1, layers, kvHeads, kvHeads, headDim, 1, 1, maxPositions, window,
                    Gemma3Config.layerKindsFromPattern(layers, 6), 1f, 1e6, 1e4, 1, 1e-6f, 1f, false);
        }
    }
}
