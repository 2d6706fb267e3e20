package io.gemmafleet.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/** The worker's Prometheus metrics: job counts by outcome and reason, queue wait, batch size, TTFT, tokens/s, lag. */
public final class WorkerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter received;
    private final Timer queueWait;
    private final Timer timeToFirstToken;
    private final DistributionSummary batchSize;
    private final DistributionSummary tokensPerSecond;

    public WorkerMetrics(String workerId, Supplier<Number> lag, Supplier<Number> waiting) {
        registry.config().commonTags("worker", workerId);
        received = Counter.builder("gemma_jobs_received").description("job records received").register(registry);
        queueWait = Timer.builder("gemma_job_queue_wait").description("submission to batch start")
                .publishPercentiles(0.5, 0.95).register(registry);
        timeToFirstToken = Timer.builder("gemma_job_time_to_first_token").description("batch start to first token")
                .publishPercentiles(0.5, 0.95).register(registry);
        batchSize = DistributionSummary.builder("gemma_batch_size").description("jobs per runtime batch")
                .register(registry);
        tokensPerSecond = DistributionSummary.builder("gemma_batch_tokens_per_second")
                .description("generated tokens per second of a batch").register(registry);
        Gauge.builder("gemma_consumer_lag", lag, s -> s.get().doubleValue())
                .description("largest record lag of the classic consumer (-1: share group)").register(registry);
        Gauge.builder("gemma_jobs_waiting", waiting, s -> s.get().doubleValue())
                .description("jobs received and not yet in a batch").register(registry);
    }

    public void received(int n) {
        received.increment(n);
    }

    /** A terminal outcome: status succeeded/failed/expired, reason the error code or "ok". */
    public void completed(String status, String reason) {
        registry.counter("gemma_jobs_completed", "status", status, "reason", reason).increment();
        if (!"succeeded".equals(status)) {
            registry.counter("gemma_jobs_failed", "reason", reason).increment();
        }
    }

    public void queueWait(Duration d) {
        queueWait.record(d.isNegative() ? Duration.ZERO : d);
    }

    public void timeToFirstToken(Duration d) {
        timeToFirstToken.record(d);
    }

    public void batch(int jobs, long generatedTokens, long nanos) {
        batchSize.record(jobs);
        if (nanos > 0) {
            tokensPerSecond.record(generatedTokens / (nanos / 1e9));
        }
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
