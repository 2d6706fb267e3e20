package io.gemmafleet.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The resilience4j guard around the runtime's steps: what it retries, what it does not, when it stops calling. */
class GuardedRuntimeTest {

    /** A runtime whose every step is the given action; nothing else is called by these tests. */
    private record StepOnly(Supplier<List<GenerationResult>> action) implements InferenceRuntime {
        @Override
        public List<GenerationResult> step() {
            return action.get();
        }

        @Override
        public void submit(GenerationRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void cancel(long requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean idle() {
            return false;
        }

        @Override
        public List<GenerationResult> abandonAll() {
            return List.of();
        }

        @Override
        public ServedModel served() {
            return new ServedModel("w", "m", "v", 128, true);
        }

        @Override
        public RuntimeStatus status() {
            throw new UnsupportedOperationException();
        }
    }

    private final List<Boolean> breakerEvents = new ArrayList<>();

    @Test
    void aTransientFailureIsRetriedAndTheStepSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        GuardedRuntime guarded = new GuardedRuntime(new StepOnly(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("transient: out of memory on this batch");
            }
            return List.<GenerationResult>of();
        }), 3, Duration.ofMillis(1), Duration.ofSeconds(30), breakerEvents::add);
        assertEquals(List.of(), guarded.step());
        assertEquals(3, calls.get(), "two failures, then the third attempt succeeds");
        assertEquals(CircuitBreaker.State.CLOSED, guarded.breakerState());
    }

    @Test
    void badInputIsNeitherRetriedNorCountedAgainstTheRuntime() {
        AtomicInteger calls = new AtomicInteger();
        GuardedRuntime guarded = new GuardedRuntime(new StepOnly(() -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("token id outside the vocabulary");
        }), 3, Duration.ofMillis(1), Duration.ofSeconds(30), breakerEvents::add);
        for (int i = 0; i < 6; i++) {
            assertThrows(IllegalArgumentException.class, () -> guarded.step());
        }
        assertEquals(6, calls.get(), "one call per step: bad input is not retried");
        assertEquals(CircuitBreaker.State.CLOSED, guarded.breakerState(), "bad input never opens the breaker");
        assertTrue(breakerEvents.isEmpty());
    }

    @Test
    void repeatedFailuresOpenTheBreakerWhichStopsCallingThenLetsATrialThrough() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        boolean[] healthy = {false};
        GuardedRuntime guarded = new GuardedRuntime(new StepOnly(() -> {
            calls.incrementAndGet();
            if (!healthy[0]) {
                throw new IllegalStateException("the device is gone");
            }
            return List.<GenerationResult>of();
        }), 2, Duration.ofMillis(1), Duration.ofMillis(300), breakerEvents::add);
        for (int i = 0; i < 3; i++) {  // minimumNumberOfCalls 3, every one failing: the failure rate is 100%
            assertThrows(IllegalStateException.class, () -> guarded.step());
        }
        assertEquals(CircuitBreaker.State.OPEN, guarded.breakerState());
        assertEquals(List.of(true), breakerEvents, "the listener (which pauses intake) heard the breaker open");
        int before = calls.get();
        assertThrows(CallNotPermittedException.class, () -> guarded.step());
        assertEquals(before, calls.get(), "an open breaker does not call the runtime");

        healthy[0] = true;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (guarded.breakerState() == CircuitBreaker.State.OPEN && System.nanoTime() < deadline) {
            Thread.sleep(20);  // automatic transition to half-open after the open duration
        }
        assertEquals(CircuitBreaker.State.HALF_OPEN, guarded.breakerState());
        assertEquals(List.of(true, false), breakerEvents, "the listener heard it let calls through again");
        assertEquals(List.of(), guarded.step());
        assertTrue(calls.get() > before, "half-open lets a trial call reach the runtime");
    }
}
