package io.gemmafleet.generate;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.engine.Engine;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.engine.kv.KvPoolSize;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Runs a fixed set of requests to completion together, on an {@link Engine} sized so that all of them fit at once:
 * prompts are prefilled in chunks, then every unfinished request advances one token per forward step, and requests
 * leave the batch as they finish. The CLI's {@code generate} and the benchmarks use it; workers drive an engine
 * directly, since their requests come and go.
 */
public final class Generator {

    private final ModelExecutor executor;
    private final GemmaTokenizer tokenizer;
    private final int prefillChunk;
    private final LongSupplier clock;

    /**
     * @param prefillChunk the most prompt tokens one sequence feeds per step (bounds activation memory)
     * @param clock nanosecond time source, injectable for tests
     */
    public Generator(ModelExecutor executor, GemmaTokenizer tokenizer, int prefillChunk, LongSupplier clock) {
        this.executor = executor;
        this.tokenizer = tokenizer;
        this.prefillChunk = prefillChunk;
        this.clock = clock;
    }

    public Generator(ModelExecutor executor, GemmaTokenizer tokenizer) {
        this(executor, tokenizer, 512, System::nanoTime);
    }

    /** Generates for every request; results come back in request order. Ids must be distinct. */
    public List<GenerationResult> generate(List<GenerationRequest> requests, TextListener listener) {
        Gemma3Config config = executor.config();
        int longest = requests.stream().mapToInt(GenerationRequest::maxPositions).max().orElse(1);
        int context = Math.min(longest, config.contextLength());
        // An image's soft tokens are fed in one step, whatever the chunk: the sliding-layer blocks must allow it.
        int longestStep = Math.max(prefillChunk, requests.stream().mapToInt(GenerationRequest::longestImage).max()
                .orElse(0));
        // Every request gets a whole sequence's worth of blocks: nothing is ever preempted. Caches grow with use.
        EngineConfig engineConfig = new EngineConfig(Math.max(1, requests.size()),
                Math.max(1, requests.size()) * prefillChunk, prefillChunk, config.contextLength(),
                KvPoolSize.forSequences(config, Math.max(1, requests.size()), context, longestStep), false);
        Map<Long, GenerationResult> results = new HashMap<>();
        Engine engine = new Engine(executor, tokenizer, engineConfig, listener, r -> results.put(r.id(), r), clock);
        for (GenerationRequest r : requests) {
            engine.submit(r);
        }
        try {
            while (!engine.idle()) {
                engine.step(); // every step advances each unfinished request
            }
        } finally {
            engine.abandonAll();
        }
        return requests.stream().map(r -> results.get(r.id())).toList();
    }

    /** Generates for one request. */
    public GenerationResult generate(GenerationRequest request, TextListener listener) {
        return generate(List.of(request), listener).getFirst();
    }
}
