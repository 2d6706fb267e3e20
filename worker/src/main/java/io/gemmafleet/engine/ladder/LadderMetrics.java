package io.gemmafleet.engine.ladder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The ladder position as metrics (Prometheus names): {@code gemma_ladder_rung} (index of the served rung, 0 = the
 * first), {@code gemma_ladder_context} (the context served), {@code gemma_ladder_planned_bytes} (weights +
 * activations + KV of the plan), {@code gemma_ladder_budget_bytes} (the budget planned with, lowered by step
 * downs) and {@code gemma_ladder_step_downs_total}. Gauges read NaN before the ladder is started.
 */
public final class LadderMetrics {

    public static final String RUNG = "gemma_ladder_rung";
    public static final String CONTEXT = "gemma_ladder_context";
    public static final String PLANNED_BYTES = "gemma_ladder_planned_bytes";
    public static final String BUDGET_BYTES = "gemma_ladder_budget_bytes";
    public static final String STEP_DOWNS = "gemma_ladder_step_downs";

    private LadderMetrics() {}

    /** Registers the ladder's meters on {@code registry}; they hold the ladder strongly. */
    public static void register(MeterRegistry registry, FallbackLadder ladder) {
        gauge(registry, RUNG, "index of the served rung of the model ladder (0 = the first)", ladder,
                l -> l.position().map(p -> (double) p.rungIndex()).orElse(Double.NaN));
        gauge(registry, CONTEXT, "context length served", ladder,
                l -> l.position().map(p -> (double) p.context()).orElse(Double.NaN));
        gauge(registry, PLANNED_BYTES, "weights + activations + KV cache of the served plan", ladder,
                l -> l.position().map(p -> (double) p.plan().totalBytes()).orElse(Double.NaN));
        gauge(registry, BUDGET_BYTES, "memory budget planned with (lowered by each step down)", ladder,
                l -> l.budgetBytes());
        FunctionCounter.builder(STEP_DOWNS, ladder, FallbackLadder::stepDowns)
                .description("step downs of the model ladder after out-of-memory").register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, String description, FallbackLadder ladder,
                              ToDoubleFunction<FallbackLadder> value) {
        Gauge.builder(name, ladder, value).description(description).strongReference(true).register(registry);
    }
}
