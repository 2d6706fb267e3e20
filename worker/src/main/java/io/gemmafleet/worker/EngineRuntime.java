package io.gemmafleet.worker;

import io.gemmafleet.backend.ExecutorOutOfMemoryException;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.engine.Engine;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real runtime: an {@link Engine} over the loaded model, which steps down the fallback ladder when a step runs
 * out of memory. On the way down no request is lost: the running ones are suspended and recomputed on the new model
 * (those that no longer fit its context end as {@code context_length_exceeded}).
 *
 * <p>Closing it closes the model it serves at that moment; {@link #single} runtimes are over a caller's executor
 * and are not closed.
 */
public final class EngineRuntime implements InferenceRuntime, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineRuntime.class);

    private final Fallback fallback;
    private final Engine engine;
    private final List<GenerationResult> ended = new ArrayList<>();
    private volatile LoadedModel current;

    public EngineRuntime(LoadedModel model, GemmaTokenizer tokenizer, Fallback fallback, LongSupplier nanoClock) {
        this.current = model;
        this.fallback = fallback;
        this.engine = new Engine(model.executor(), tokenizer, model.engine(), TextListener.NONE, ended::add,
                nanoClock);
    }

    /**
     * A runtime for one model and no fallback ladder: the engine with the worker defaults, running up to
     * {@code maxRunning} requests at once at the served context. The executor stays the caller's to close.
     */
    public static EngineRuntime single(ModelExecutor executor, GemmaTokenizer tokenizer, ServedModel served,
                                       int maxRunning) {
        EngineConfig engine = EngineConfig.forWorker(executor.config(), maxRunning, served.contextLimit());
        return new EngineRuntime(new LoadedModel(executor, engine, served, 0, null), tokenizer, Fallback.NONE,
                System::nanoTime);
    }

    @Override
    public void submit(GenerationRequest request) {
        engine.submit(request);
    }

    @Override
    public void cancel(long requestId) {
        engine.cancel(requestId);
    }

    @Override
    public List<GenerationResult> step() {
        try {
            engine.step();
        } catch (ExecutorOutOfMemoryException e) {
            stepDown(e);
        }
        return drainEnded();
    }

    /** Suspends everything, frees the current model, and continues on the next rung (or rethrows at the bottom). */
    private void stepDown(ExecutorOutOfMemoryException cause) {
        LoadedModel from = current;
        engine.suspendAll();
        Optional<LoadedModel> next = fallback.after(from, cause); // closes `from` first if it loads another
        if (next.isEmpty()) {
            LOG.error("out of memory on {} ({}), and the fallback ladder has no lower rung", from.served().variant(),
                    cause.getMessage());
            throw cause;
        }
        LoadedModel to = next.get();
        engine.replaceExecutor(to.executor(), to.engine());
        current = to;
        LOG.warn("out of memory on rung {} ({} at context {}): {}; now serving rung {} ({} at context {}), "
                        + "{} requests re-queued for recomputation", from.rungIndex(), from.served().variant(),
                from.served().contextLimit(), cause.getMessage(), to.rungIndex(), to.served().variant(),
                to.served().contextLimit(), engine.waitingCount());
    }

    private List<GenerationResult> drainEnded() {
        List<GenerationResult> out = List.copyOf(ended);
        ended.clear();
        return out;
    }

    @Override
    public boolean idle() {
        return engine.idle();
    }

    @Override
    public List<GenerationResult> abandonAll() {
        List<GenerationResult> abandoned = engine.abandonAll(); // may end some through the callback first
        List<GenerationResult> out = new ArrayList<>(drainEnded());
        out.addAll(abandoned);
        return out;
    }

    @Override
    public ServedModel served() {
        return current.served();
    }

    /** Closes the model served now (after a step down, the rung stepped to; the failed one is closed already). */
    @Override
    public void close() {
        current.close();
    }

    @Override
    public RuntimeStatus status() {
        LoadedModel m = current;
        return new RuntimeStatus(engine.counters(), engine.cacheStats(), engine.runningCount(),
                engine.waitingCount(), m.rungIndex());
    }
}
