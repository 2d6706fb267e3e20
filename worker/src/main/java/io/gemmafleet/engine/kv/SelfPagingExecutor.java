package io.gemmafleet.engine.kv;

import io.gemmafleet.backend.KvBlockTable;
import io.gemmafleet.backend.KvCacheFullException;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.sampling.TokenChoice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lets a caller drive an executor that pages with block tables by sequence id alone, as with an executor that
 * keeps its caches itself: the blocks come from a private {@link KvBlockManager}, every position of every layer is
 * kept (so steps may roll back to any position), and nothing is shared.
 *
 * <p>For tools and tests that step a model by hand (parity checks, kernel comparisons); the engine pages the real
 * way, with sliding windows and prefix sharing.
 */
public final class SelfPagingExecutor implements ModelExecutor {

    private final ModelExecutor delegate;
    private final int maxContext;
    private final KvBlockManager blocks;
    private final Map<Long, Integer> lengths = new HashMap<>();

    /**
     * @param maxSequences sequences that may be open at once
     * @param maxContext most positions each may reach; storage grows only with what is used
     */
    public SelfPagingExecutor(ModelExecutor delegate, int maxSequences, int maxContext) {
        if (!delegate.usesBlockTables()) {
            throw new IllegalArgumentException("the executor keeps its caches itself already");
        }
        this.delegate = delegate;
        this.maxContext = maxContext;
        Gemma3Config config = delegate.config();
        int perSequence = KvBlockTable.blocksFor(maxContext);
        this.blocks = new KvBlockManager(config, maxSequences * perSequence, maxSequences * perSequence, false);
    }

    /** {@code executor} itself if it keeps its caches, else wrapped so that it can be stepped by sequence id. */
    public static ModelExecutor steppable(ModelExecutor executor, int maxSequences, int maxContext) {
        return executor.usesBlockTables() ? new SelfPagingExecutor(executor, maxSequences, maxContext) : executor;
    }

    @Override
    public Gemma3Config config() {
        return delegate.config();
    }

    @Override
    public float[][] step(StepBatch batch) {
        StepBatch paged = page(batch);
        float[][] out = delegate.step(paged);
        recordLengths(batch);
        return out;
    }

    @Override
    public int[] stepGreedy(StepBatch batch) {
        StepBatch paged = page(batch);
        int[] out = delegate.stepGreedy(paged);
        recordLengths(batch);
        return out;
    }

    @Override
    public int[] stepSample(StepBatch batch, List<TokenChoice> choices) {
        StepBatch paged = page(batch);
        int[] out = delegate.stepSample(paged, choices);
        recordLengths(batch);
        return out;
    }

    @Override
    public boolean choosesOnDevice() {
        return delegate.choosesOnDevice();
    }

    @Override
    public boolean acceptsImages() {
        return delegate.acceptsImages();
    }

    /** Adds each sequence's block table, opening and growing its blocks; lengths change only once a step ran. */
    private StepBatch page(StepBatch batch) {
        List<SequenceStep> steps = new ArrayList<>(batch.steps().size());
        for (SequenceStep s : batch.steps()) {
            int length = lengths.getOrDefault(s.sequenceId(), 0);
            if (s.startPosition() > length) {
                throw new IllegalArgumentException("step starts at position " + s.startPosition()
                        + " but the cache holds only " + length + " positions");
            }
            if (s.endPosition() > maxContext) {
                throw new IllegalArgumentException("sequence would reach " + s.endPosition()
                        + " positions; the context limit is " + maxContext);
            }
            if (!lengths.containsKey(s.sequenceId())) {
                blocks.open(s.sequenceId(), s.tokens());
                lengths.put(s.sequenceId(), 0);
            }
            // Every position stays reachable for roll-backs: no commit, so no sliding block is ever freed.
            if (!blocks.reserve(s.sequenceId(), 0, s.endPosition())) {
                throw new KvCacheFullException("no cache blocks left for sequence " + s.sequenceId());
            }
            steps.add(new SequenceStep(s.sequenceId(), s.startPosition(), s.tokens(), s.wantLogits(),
                    blocks.table(s.sequenceId()), s.images()));
        }
        return new StepBatch(steps);
    }

    private void recordLengths(StepBatch batch) {
        for (SequenceStep s : batch.steps()) {
            lengths.put(s.sequenceId(), s.endPosition());
        }
    }

    @Override
    public void release(long sequenceId) {
        if (lengths.remove(sequenceId) != null) {
            blocks.release(sequenceId);
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
