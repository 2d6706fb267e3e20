package io.gemmafleet.worker;

import io.gemmafleet.generate.GenerationResult;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Wraps the runtime's steps with resilience4j: a retry for transient failures (I/O on mapped weights, a device
 * hiccup: anything but a bad-input {@link IllegalArgumentException}), inside a circuit breaker that opens after
 * repeated failed steps. Retrying is safe because a step that throws leaves every request as it was. The breaker's
 * state is reported to a listener, which pauses intake while it is open so jobs stay in Kafka for healthy workers
 * instead of being failed here.
 */
public final class GuardedRuntime extends ForwardingRuntime {

    private final Retry retry;
    private final CircuitBreaker breaker;

    /** @param onBreakerOpen called with true when the breaker opens, false when it lets calls through again */
    public GuardedRuntime(InferenceRuntime delegate, int maxAttempts, Duration retryWait, Duration openFor,
                          Consumer<Boolean> onBreakerOpen) {
        super(delegate);
        this.retry = Retry.of("runtime", RetryConfig.custom()
                .maxAttempts(maxAttempts)
                .waitDuration(retryWait)
                .ignoreExceptions(IllegalArgumentException.class)
                .build());
        this.breaker = CircuitBreaker.of("runtime", CircuitBreakerConfig.custom()
                .slidingWindowSize(5)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .ignoreExceptions(IllegalArgumentException.class)
                .build());
        breaker.getEventPublisher().onStateTransition(e -> onBreakerOpen.accept(
                e.getStateTransition().getToState() == CircuitBreaker.State.OPEN));
    }

    @Override
    public List<GenerationResult> step() {
        return breaker.executeSupplier(Retry.decorateSupplier(retry, super::step));
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }
}
