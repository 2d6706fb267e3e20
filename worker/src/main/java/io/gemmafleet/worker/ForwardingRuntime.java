package io.gemmafleet.worker;

import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import java.util.List;

/** A runtime that hands every call to another; decorators override what they change (a guard, a delay). */
public abstract class ForwardingRuntime implements InferenceRuntime {

    private final InferenceRuntime delegate;

    protected ForwardingRuntime(InferenceRuntime delegate) {
        this.delegate = delegate;
    }

    @Override
    public void submit(GenerationRequest request) {
        delegate.submit(request);
    }

    @Override
    public void cancel(long requestId) {
        delegate.cancel(requestId);
    }

    @Override
    public List<GenerationResult> step() {
        return delegate.step();
    }

    @Override
    public boolean idle() {
        return delegate.idle();
    }

    @Override
    public List<GenerationResult> abandonAll() {
        return delegate.abandonAll();
    }

    @Override
    public ServedModel served() {
        return delegate.served();
    }

    @Override
    public RuntimeStatus status() {
        return delegate.status();
    }
}
