package io.gemmafleet.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics: submissions by outcome (accepted, invalid, too_large, unavailable,
 * unauthorized), polls by answered state, cancels by outcome, and the results view's lag and size. Thread-safe.
 */
public final class GatewayMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    // Supplier-based gauges hold their supplier strongly; the (object, function) form holds a weak reference and
    // reads NaN once the lambda is collected.
    public GatewayMetrics(Supplier<Number> viewLag, Supplier<Number> viewJobs, Supplier<Boolean> viewCaughtUp) {
        Gauge.builder("gemma_gateway_results_view_lag", viewLag)
                .description("records of the job/status/results topics not yet read into the view (-1: not connected)")
                .register(registry);
        Gauge.builder("gemma_gateway_results_view_jobs", viewJobs)
                .description("jobs the results view knows").register(registry);
        Gauge.builder("gemma_gateway_results_view_caught_up", () -> viewCaughtUp.get() ? 1 : 0)
                .description("1 once the view has read every partition to its end as of start").register(registry);
    }

    public void submission(String outcome) {
        Counter.builder("gemma_gateway_submissions").tag("outcome", outcome)
                .description("POST /v1/jobs by outcome").register(registry).increment();
    }

    public void poll(String state) {
        Counter.builder("gemma_gateway_polls").tag("state", state)
                .description("GET /v1/jobs/{id} by answered state (not_found included)").register(registry)
                .increment();
    }

    /** A cancel request by outcome: requested, finished (409), not_found, unavailable, unauthorized. */
    public void cancel(String outcome) {
        Counter.builder("gemma_gateway_cancels").tag("outcome", outcome)
                .description("POST /v1/jobs/{id}/cancel and DELETE /v1/jobs/{id} by outcome").register(registry)
                .increment();
    }

    public String scrape() {
        return registry.scrape();
    }
}
