package io.gemmafleet.worker;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.engine.kv.KvPoolSize;
import io.gemmafleet.engine.ladder.FallbackLadder;
import io.gemmafleet.engine.ladder.LadderPlan;
import io.gemmafleet.engine.ladder.OpenRung;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import java.util.Optional;

/**
 * Opens the rungs of a worker's {@link FallbackLadder}: the planned one at start, and after an out-of-memory the
 * next one the ladder plans (a smaller variant, or a shorter context), once the failed one is closed.
 *
 * <p>The engine's cache pools take what the plan leaves after weights and activations: with the CPU's paged cache
 * that is many sequences' worth, so a smaller memory budget means fewer concurrent long sequences (and
 * preemptions), not failures.
 */
public final class LadderFallback implements Fallback {

    private final FallbackLadder ladder;
    private final Backend device;
    private final int threads;
    private final String workerId;
    private final boolean randomWeights;
    private final int maxRunning;
    private final int stepTokens;
    private LadderPlan current;
    private OpenRung currentRung;

    /**
     * @param maxRunning jobs running at once ({@code --batch-size})
     * @param stepTokens tokens one forward step feeds at most ({@code --step-tokens})
     */
    public LadderFallback(FallbackLadder ladder, Backend device, int threads, String workerId, boolean randomWeights,
                          int maxRunning, int stepTokens) {
        this.ladder = ladder;
        this.device = device;
        this.threads = threads;
        this.workerId = workerId;
        this.randomWeights = randomWeights;
        this.maxRunning = maxRunning;
        this.stepTokens = stepTokens;
    }

    /** Opens {@code plan}: the model to serve, sized by it. */
    public LoadedModel open(LadderPlan plan) {
        OpenRung rung = plan.open(device, threads);
        ServedModel served = new ServedModel(workerId, plan.modelRef(),
                randomWeights ? "tiny-random (RANDOM WEIGHTS)" : plan.rungName(), plan.context(), randomWeights,
                plan.rungName());
        current = plan;
        currentRung = rung;
        return new LoadedModel(rung.executor(), engineFor(plan, rung.executor(), maxRunning, stepTokens), served,
                plan.rungIndex(), rung.checkpoint());
    }

    /** The tokenizer of the rung opened last (every rung is a variant of one model: they share it). */
    public GemmaTokenizer tokenizer() {
        return GemmaTokenizer.load(currentRung.checkpoint().tokenizer());
    }

    @Override
    public Optional<LoadedModel> after(LoadedModel failed, RuntimeException outOfMemory) {
        Optional<LadderPlan> next = ladder.stepDown(current, String.valueOf(outOfMemory.getMessage()));
        if (next.isEmpty()) {
            return Optional.empty();
        }
        failed.close(); // its memory is what the next rung needs
        return Optional.of(open(next.get()));
    }

    /**
     * The engine for a plan: {@code maxRunning} sequences at the planned context, and cache pools from the bytes
     * the plan leaves for the cache (an executor that keeps its own caches gets pools that only count).
     */
    static EngineConfig engineFor(LadderPlan plan, ModelExecutor executor, int maxRunning, int stepTokens) {
        Gemma3Config config = executor.config();
        EngineConfig base = EngineConfig.forWorker(config, maxRunning, plan.context(), stepTokens);
        if (!executor.usesBlockTables()) {
            return base;
        }
        var p = plan.plan();
        long cacheBytes = Math.max(p.kvBytes(), p.budget() - p.weightBytes() - p.activationBytes());
        KvPoolSize fits = KvPoolSize.forBudget(config, cacheBytes, Float.BYTES, maxRunning,
                Math.max(base.prefillChunk(), EngineConfig.IMAGE_STEP));
        // More than twice what the running sequences can fill would only hold cached prefixes: not worth the
        // bookkeeping of a pool the size of all RAM.
        KvPoolSize useful = base.pools();
        return base.withPools(new KvPoolSize(Math.min(fits.globalBlocks(), 2 * useful.globalBlocks()),
                Math.min(fits.localBlocks(), 2 * useful.localBlocks())));
    }
}
