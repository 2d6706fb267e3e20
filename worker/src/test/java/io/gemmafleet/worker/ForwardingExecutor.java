package io.gemmafleet.worker;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.model.Gemma3Config;

/**
 * An executor that forwards to another, for tests that override {@link #step} to inject failures. The greedy and
 * sampling entry points keep {@link ModelExecutor}'s defaults, which go through {@link #step}, so an override
 * sees every step.
 */
public class ForwardingExecutor implements ModelExecutor {

    private final ModelExecutor delegate;

    public ForwardingExecutor(ModelExecutor delegate) {
        this.delegate = delegate;
    }

    @Override
    public Gemma3Config config() {
        return delegate.config();
    }

    @Override
    public float[][] step(StepBatch batch) {
        return delegate.step(batch);
    }

    @Override
    public boolean usesBlockTables() {
        return delegate.usesBlockTables();
    }

    @Override
    public boolean acceptsImages() {
        return delegate.acceptsImages();
    }

    @Override
    public void release(long sequenceId) {
        delegate.release(sequenceId);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
