package io.gemmafleet.worker;

import io.micrometer.core.instrument.Counter;
import io.gemmafleet.worker.vision.ImageEncodingStage;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The worker's Prometheus metrics: job counts by outcome and reason, queue wait, time to first token, consumer lag,
 * and the engine's state: running and waiting requests, cache blocks in use, prefix-cache hits, preemptions. (The
 * fallback ladder's position and context are registered by {@code LadderMetrics}.)
 */
public final class WorkerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter received;
    private final Timer queueWait;
    private final Timer timeToFirstToken;
    /**
     * The gauges' sources. Micrometer holds gauge and function-counter sources only weakly, so these fields keep
     * them alive as long as the metrics (without them the suppliers, often method references made for the call,
     * are collected and the gauges read NaN).
     */
    private final List<Object> sources = new java.util.ArrayList<>();
    private final Timer imageEncoding;

    public WorkerMetrics(String workerId, Supplier<Number> lag, Supplier<Number> waiting,
                         Supplier<RuntimeStatus> engine) {
        sources.addAll(List.of(lag, waiting, engine));
        registry.config().commonTags("worker", workerId);
        received = Counter.builder("gemma_jobs_received").description("job records received").register(registry);
        queueWait = Timer.builder("gemma_job_queue_wait").description("submission to batch start")
                .publishPercentiles(0.5, 0.95).register(registry);
        timeToFirstToken = Timer.builder("gemma_job_time_to_first_token")
                .description("arrival in the engine to first token").publishPercentiles(0.5, 0.95, 0.99)
                .register(registry);
        imageEncoding = Timer.builder("gemma_image_encode")
                .description("one pass of the vision tower over a batch of images").publishPercentiles(0.5, 0.95)
                .register(registry);
        registerEngine(engine);
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

    /** Counters of a vision worker's image encoding: images, passes, and images served from the soft-token cache. */
    public void registerImages(ImageEncodingStage stage) {
        sources.add(stage);
        FunctionCounter.builder("gemma_images_encoded", stage, ImageEncodingStage::imagesEncoded)
                .description("images run through the vision tower").register(registry);
        FunctionCounter.builder("gemma_image_batches", stage, ImageEncodingStage::batches)
                .description("vision tower passes (each over up to --image-batch images)").register(registry);
        FunctionCounter.builder("gemma_image_cache_hits", stage, st -> st.cache().hits())
                .description("images whose soft tokens came from the cache instead of the tower").register(registry);
    }

    /** The time of one arrival's image encoding (all its batches). */
    public void imageEncoding(Duration d) {
        imageEncoding.record(d);
    }

    private void registerEngine(Supplier<RuntimeStatus> engine) {
        Gauge.builder("gemma_engine_running", engine, e -> e.get().running())
                .description("requests in the running batch").register(registry);
        Gauge.builder("gemma_engine_waiting", engine, e -> e.get().waiting())
                .description("requests in the engine waiting for room (including preempted ones)").register(registry);
        for (String pool : new String[] {"global", "sliding"}) {
            boolean global = pool.equals("global");
            Gauge.builder("gemma_kv_blocks_in_use", engine, e -> global ? e.get().cache().globalInUse()
                            : e.get().cache().localInUse())
                    .tag("pool", pool).description("KV cache blocks holding a running sequence's positions")
                    .register(registry);
            Gauge.builder("gemma_kv_blocks_capacity", engine, e -> global ? e.get().cache().globalCapacity()
                            : e.get().cache().localCapacity())
                    .tag("pool", pool).description("KV cache blocks in the pool").register(registry);
        }
        Gauge.builder("gemma_prefix_cache_hit_rate", engine, e -> e.get().cache().prefixHitRate())
                .description("share of prompt tokens found in the prefix cache since start").register(registry);
        FunctionCounter.builder("gemma_prefix_cache_hit_tokens", engine,
                        e -> e.get().counters().prefixHitTokens())
                .description("prompt tokens served from the prefix cache").register(registry);
        FunctionCounter.builder("gemma_engine_preemptions", engine, e -> e.get().counters().preemptions())
                .description("running requests suspended for want of cache blocks, to be recomputed")
                .register(registry);
        FunctionCounter.builder("gemma_engine_steps", engine, e -> e.get().counters().steps())
                .description("forward steps run").register(registry);
        FunctionCounter.builder("gemma_generated_tokens", engine, e -> e.get().counters().tokensGenerated())
                .description("tokens generated").register(registry);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
