package io.gemmafleet.engine;

import io.gemmafleet.backend.KvCacheFullException;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.engine.kv.KvBlockManager;
import io.gemmafleet.generate.FinishReason;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.TokenChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Continuous (iteration-level) batching over one resident model: requests join and leave the running batch
 * between forward steps, so a long generation never holds back a short one.
 *
 * <p>Each {@link #step} builds one forward step under a token budget: first one token for every decoding
 * sequence, then a prefill chunk for every sequence still reading its prompt, then newly admitted requests
 * (lowest priority value first, then arrival order) while sequences, budget and cache blocks last. A long prompt
 * is thus prefilled a chunk per step while everybody else keeps decoding.
 *
 * <p>A prompt may hold images ({@link GenerationRequest#images()}): spans of placeholder tokens whose embeddings
 * are given. A step never ends inside one, since an image's tokens attend to each other: the span is fed whole in
 * one step, even when that exceeds the prefill chunk or the step's budget (by less than one image). For the prefix
 * cache, an image's positions are keyed by its content ({@link PlaceholderKeys}), so the same image after the same
 * prefix is found again and different images never match.
 *
 * <p>Cache blocks come from a {@link KvBlockManager}. When a running sequence cannot get a block, the engine
 * preempts the running sequence with the highest priority value, most recently admitted first: its blocks are freed
 * and it goes back to waiting, to be recomputed when readmitted (often cheaply, from the prefix cache). A waiting
 * request that finds no room likewise displaces a running one whose priority value is strictly higher. Nothing is
 * ever failed for want of blocks; a request that could not fit the cache even alone ends as
 * {@link FinishReason#CONTEXT_LENGTH_EXCEEDED} when submitted.
 *
 * <p>Threading: {@link #submit} and {@link #cancel} may be called from any thread; every other method belongs to
 * the single engine thread that drives the executor. A step that throws leaves every request as it was (its tokens
 * are fed again by the next step), so the caller may retry, or {@link #replaceExecutor} after an out-of-memory.
 */
public final class Engine {

    private final GemmaTokenizer tokenizer;
    private final TextListener text;
    private final Consumer<GenerationResult> finished;
    private final LongSupplier nanoClock;
    private final ConcurrentLinkedQueue<GenerationRequest> inbox = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> cancellations = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(
            Comparator.comparingInt((Sequence s) -> s.request.priority()).thenComparingLong(s -> s.arrival));
    private final List<Sequence> running = new ArrayList<>();
    private final EngineCounters counters = new EngineCounters();
    private final PlaceholderKeys placeholders = new PlaceholderKeys();
    private ModelExecutor executor;
    private EngineConfig config;
    private KvBlockManager kv;
    private long arrivals;
    private long admissions;
    private volatile int waitingCount;
    private volatile int runningCount;
    private volatile KvBlockManager.Stats cacheSnapshot;

    /**
     * @param text receives generated text as it becomes safe to show
     * @param finished receives each request's result once, on the engine thread, when it ends for any reason
     * @param nanoClock time for deadlines and timings; tests inject their own
     */
    public Engine(ModelExecutor executor, GemmaTokenizer tokenizer, EngineConfig config, TextListener text,
                  Consumer<GenerationResult> finished, LongSupplier nanoClock) {
        this.tokenizer = tokenizer;
        this.text = text;
        this.finished = finished;
        this.nanoClock = nanoClock;
        install(executor, config);
    }

    private void install(ModelExecutor newExecutor, EngineConfig newConfig) {
        this.executor = newExecutor;
        this.config = newConfig;
        // An executor that keeps its own caches gets no block tables: the engine's pools then only count blocks,
        // and its own exhaustion (KvCacheFullException) drives preemption.
        boolean paged = newExecutor.usesBlockTables();
        this.kv = new KvBlockManager(newExecutor.config(), newConfig.pools().globalBlocks(),
                newConfig.pools().localBlocks(), paged && newConfig.prefixCaching());
    }

    /**
     * Queues a request; thread-safe. Its result arrives through the {@code finished} callback.
     *
     * @throws IllegalArgumentException for a request with images when the executor takes none
     */
    public void submit(GenerationRequest request) {
        if (!request.images().isEmpty() && !executor.acceptsImages()) {
            throw new IllegalArgumentException("request " + request.id() + " has images; this backend takes text only");
        }
        inbox.add(request);
    }

    /** Asks to end a queued or running request as {@link FinishReason#CANCELLED}; unknown ids are ignored. */
    public void cancel(long requestId) {
        cancellations.add(requestId);
    }

    /** Requests submitted and not running (new, or suspended), as of the last step (readable from any thread). */
    public int waitingCount() {
        return waitingCount + inbox.size();
    }

    public int runningCount() {
        return runningCount;
    }

    /** Whether nothing is queued or running. */
    public boolean idle() {
        return inbox.isEmpty() && waiting.isEmpty() && running.isEmpty();
    }

    public EngineCounters counters() {
        return counters;
    }

    /** The cache's gauges as of the last step (readable from any thread). */
    public KvBlockManager.Stats cacheStats() {
        KvBlockManager.Stats s = cacheSnapshot;
        return s != null ? s : kv.stats();
    }

    public EngineConfig config() {
        return config;
    }

    /**
     * Runs one iteration: takes in submissions and cancellations, ends what is cancelled or past its deadline,
     * schedules and runs one forward step, and hands out finished results.
     *
     * @return whether a forward step ran (false when there was nothing to run)
     */
    public boolean step() {
        intake();
        if (running.isEmpty() && waiting.isEmpty()) {
            publishCounts();
            return false;
        }
        List<Scheduled> plan = schedule();
        publishCounts();
        if (plan.isEmpty()) {
            return false;
        }
        try {
            run(plan);
        } catch (KvCacheFullException e) {
            // An executor with its own caches ran out: make room and let the next step try again.
            preempt(victim());
            return true;
        }
        for (Scheduled s : plan) {
            if (s.sequence.finished()) {
                retire(s.sequence);
            }
        }
        publishCounts();
        return true;
    }

    /**
     * Suspends every running request, to be recomputed (used before {@link #replaceExecutor}). Nothing is lost:
     * they wait at the head of the queue in their original order.
     */
    public void suspendAll() {
        for (Sequence s : List.copyOf(running)) {
            preempt(s);
        }
        publishCounts();
    }

    /**
     * Swaps in another executor (a smaller model or a shorter context from the fallback ladder). Running requests
     * are suspended first; requests that can no longer fit the new context end as
     * {@link FinishReason#CONTEXT_LENGTH_EXCEEDED}. The old executor is not closed here.
     */
    public void replaceExecutor(ModelExecutor newExecutor, EngineConfig newConfig) {
        suspendAll();
        install(newExecutor, newConfig);
        long now = nanoClock.getAsLong();
        for (Sequence s : List.copyOf(waiting)) {
            if (!fits(s)) {
                waiting.remove(s);
                s.end(FinishReason.CONTEXT_LENGTH_EXCEEDED, text, now);
                finished.accept(s.result());
            }
        }
        publishCounts();
    }

    /** Ends every queued and running request as cancelled (the worker is shutting down hard). */
    public List<GenerationResult> abandonAll() {
        List<GenerationResult> out = new ArrayList<>();
        long now = nanoClock.getAsLong();
        intake();
        for (Sequence s : List.copyOf(running)) {
            s.end(FinishReason.CANCELLED, text, now);
            release(s);
            out.add(s.result());
        }
        running.clear();
        for (Sequence s : waiting) {
            s.end(FinishReason.CANCELLED, text, now);
            out.add(s.result());
        }
        waiting.clear();
        publishCounts();
        return out;
    }

    // ---- intake: submissions, cancellations, deadlines ----

    private void intake() {
        long now = nanoClock.getAsLong();
        for (GenerationRequest r; (r = inbox.poll()) != null; ) {
            Sequence s = new Sequence(r, arrivals++, now, tokenizer, placeholders);
            if (!fits(s)) {
                s.end(FinishReason.CONTEXT_LENGTH_EXCEEDED, text, now);
                finished.accept(s.result());
            } else {
                waiting.add(s);
            }
        }
        Set<Long> cancelled = new HashSet<>();
        for (Long id; (id = cancellations.poll()) != null; ) {
            cancelled.add(id);
        }
        if (!cancelled.isEmpty()) {
            endWhere(s -> cancelled.contains(s.request.id()), FinishReason.CANCELLED, now);
        }
        endWhere(s -> s.request.deadlineNanos() != GenerationRequest.NO_DEADLINE
                && now - s.request.deadlineNanos() >= 0, FinishReason.DEADLINE, now);
    }

    private boolean fits(Sequence s) {
        int positions = s.request.maxPositions();
        int longestStep = Math.max(config.prefillChunk(), s.request.longestImage());
        return positions <= config.maxContext() && kv.fitsAlone(positions, longestStep);
    }

    private void endWhere(Predicate<Sequence> which, FinishReason reason, long now) {
        for (Sequence s : List.copyOf(running)) {
            if (which.test(s)) {
                s.end(reason, text, now);
                retire(s);
            }
        }
        for (Sequence s : List.copyOf(waiting)) {
            if (which.test(s)) {
                waiting.remove(s);
                s.end(reason, text, now);
                finished.accept(s.result());
            }
        }
    }

    // ---- scheduling ----

    /** A sequence's share of the step being built. */
    private record Scheduled(Sequence sequence, int tokens) {}

    /** The step being built: what each sequence feeds, and the token budget left. */
    private static final class StepPlan {
        final List<Scheduled> items = new ArrayList<>();
        int budget;

        StepPlan(int budget) {
            this.budget = budget;
        }

        void add(Sequence s, int tokens) {
            items.add(new Scheduled(s, tokens));
            budget -= tokens;
        }

        /** Takes a preempted sequence out of the step, giving its tokens back to the budget. */
        void drop(Sequence s) {
            items.removeIf(p -> {
                if (p.sequence == s) {
                    budget += p.tokens;
                    return true;
                }
                return false;
            });
        }
    }

    private List<Scheduled> schedule() {
        StepPlan plan = new StepPlan(config.stepTokens());
        boolean preempted = false;
        // Decoding sequences first (one token each), then those still prefilling, best priority first.
        List<Sequence> order = new ArrayList<>(running);
        order.sort(Comparator.comparing(Sequence::prefilling)
                .thenComparingInt((Sequence s) -> s.request.priority()).thenComparingLong(s -> s.admitted));
        for (Sequence s : order) {
            if (!s.running() || plan.budget <= 0) {
                continue; // preempted while making room for an earlier one, or no budget left this step
            }
            int n = s.feedable(s.cached, Math.min(s.pending(), Math.min(config.prefillChunk(), plan.budget)));
            while (!kv.reserve(s.cacheId(), s.cached, n)) {
                Sequence victim = victim();
                preempted = true;
                plan.drop(victim);
                preempt(victim);
                if (victim == s) {
                    break;
                }
            }
            if (s.running()) {
                plan.add(s, n);
            }
        }
        // Then admit waiting requests, best priority first, while there is room. When there is none (every
        // sequence slot taken, or no blocks), a waiting request displaces a running one of a higher priority value.
        while (plan.budget > 0 && !waiting.isEmpty()) {
            Sequence s = waiting.peek();
            boolean full = running.size() >= config.maxRunning();
            if ((full || preempted) && !outranksARunningSequence(s)) {
                break;
            }
            if (full) {
                displaceFor(plan);
            }
            int cached = kv.open(s.cacheId(), Arrays.copyOf(s.cacheKeys(), s.tokenCount()));
            int n = s.feedable(cached,
                    Math.min(s.tokenCount() - cached, Math.min(config.prefillChunk(), plan.budget)));
            boolean reserved;
            while (!(reserved = kv.reserve(s.cacheId(), cached, n)) && outranksARunningSequence(s)) {
                displaceFor(plan);
            }
            if (!reserved) {
                kv.release(s.cacheId());
                break; // wait for running sequences to finish and free blocks
            }
            waiting.poll();
            s.admit(cached, admissions++);
            running.add(s);
            counters.prefixHitTokens += cached;
            plan.add(s, n);
        }
        return plan.items;
    }

    /** Whether {@code waiting} has a strictly lower priority value than some running sequence. */
    private boolean outranksARunningSequence(Sequence waitingOne) {
        return !running.isEmpty() && victim().request.priority() > waitingOne.request.priority();
    }

    /** Suspends the running sequence a better-priority waiting request displaces. */
    private void displaceFor(StepPlan plan) {
        Sequence victim = victim();
        plan.drop(victim);
        preempt(victim);
        counters.priorityPreemptions++;
    }

    /** The running sequence to suspend: highest priority value, then the most recently admitted. */
    private Sequence victim() {
        return running.stream()
                .max(Comparator.comparingInt((Sequence s) -> s.request.priority()).thenComparingLong(s -> s.admitted))
                .orElseThrow();
    }

    private void preempt(Sequence s) {
        release(s);
        running.remove(s);
        s.forgetCache();
        waiting.add(s);
        counters.preemptions++;
    }

    private void release(Sequence s) {
        kv.release(s.cacheId());
        executor.release(s.cacheId());
    }

    private void retire(Sequence s) {
        release(s);
        running.remove(s);
        s.forgetCache();
        finished.accept(s.result());
    }

    // ---- running a step ----

    private void run(List<Scheduled> plan) {
        boolean paged = executor.usesBlockTables();
        List<SequenceStep> steps = new ArrayList<>(plan.size());
        for (Scheduled p : plan) {
            steps.add(p.sequence.step(p.tokens, paged ? kv.table(p.sequence.cacheId()) : null));
        }
        StepBatch batch = new StepBatch(steps);
        List<Sequence> seqs = plan.stream().map(Scheduled::sequence).toList();
        int[] chosen = null;
        float[][] logits = null;
        if (seqs.stream().allMatch(Sequence::wantsOnlyTheArgMax)) {
            chosen = executor.stepGreedy(batch);
        } else if (executor.choosesOnDevice() && seqs.stream().allMatch(Sequence::needsOnlyTheToken)) {
            // The device samples: each request draws its uniform from its own seeded stream, as on the host.
            List<TokenChoice> choices = new ArrayList<>(steps.size());
            for (int i = 0; i < steps.size(); i++) {
                choices.add(steps.get(i).wantLogits() ? seqs.get(i).sampler().nextChoice() : null);
            }
            chosen = executor.stepSample(batch, choices);
        } else {
            logits = executor.step(batch);
        }
        long now = nanoClock.getAsLong();
        counters.steps++;
        for (int i = 0; i < steps.size(); i++) {
            Sequence s = seqs.get(i);
            SequenceStep step = steps.get(i);
            s.cached = step.endPosition();
            kv.commit(s.cacheId(), s.cacheKeys(), s.cached);
            if (!step.wantLogits()) {
                continue;
            }
            if (chosen != null) {
                s.accept(chosen[i], text, now);
            } else {
                s.sampleFrom(logits[i], text, now);
            }
            counters.tokensGenerated++;
        }
    }

    private void publishCounts() {
        waitingCount = waiting.size();
        runningCount = running.size();
        cacheSnapshot = kv.stats();
    }
}
