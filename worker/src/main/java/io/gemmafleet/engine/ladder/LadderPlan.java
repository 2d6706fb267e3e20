package io.gemmafleet.engine.ladder;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.engine.MemoryPlanner;
import java.util.Locale;

/**
 * A {@link MemoryPlanner.Plan} placed on the ladder: which rung (0 = the first, preferred one) of how many, the
 * model reference to open, and the context to open it at.
 */
public record LadderPlan(int rungIndex, int rungCount, String modelRef, MemoryPlanner.Plan plan) {

    /** The context length to serve: the executor's {@link ExecutorOptions#maxContext()} and every result's. */
    public int context() {
        return plan.context();
    }

    public String rungName() {
        return plan.rung().name();
    }

    /** Executor options for this plan: {@code threads} (0 = all cores) and the planned context. */
    public ExecutorOptions executorOptions(int threads) {
        return new ExecutorOptions(threads, context());
    }

    /** Loads the rung's checkpoint and opens it on {@code backend} at the planned context. */
    public OpenRung open(Backend backend, int threads) {
        return OpenRung.open(this, backend, threads);
    }

    /** One line with the numbers: {@code rung 2/2: NAME at context N: weights … + activations … + KV … = … of …}. */
    public String describe() {
        return String.format(Locale.ROOT, "rung %d/%d: %s", rungIndex + 1, rungCount, plan.describe());
    }
}
