package io.gemmafleet.gateway;

import io.gemmafleet.gateway.http.HealthRoutes;
import io.gemmafleet.gateway.http.JobRoutes;
import io.gemmafleet.gateway.media.MediaInliner;
import io.gemmafleet.gateway.submit.JobSubmitter;
import io.gemmafleet.gateway.view.ResultsView;
import io.gemmafleet.schemas.JobCodec;
import io.helidon.webserver.WebServer;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway replica: the validating submitter, the results view and the HTTP routes on a Helidon SE server.
 * Holds no state of its own beyond what it re-reads from Kafka, so replicas are interchangeable. Starting never
 * waits for Kafka: the server answers at once (503 for submissions, not-ready) until Kafka is reachable.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final JobSubmitter submitter;
    private final ResultsView view;
    private final GatewayMetrics metrics;
    private final WebServer server;

    private GatewayServer(GatewayConfig config) {
        JobCodec codec = new JobCodec();
        this.view = new ResultsView(config.clientProperties(), config.topics(), codec);
        this.submitter = new JobSubmitter(config.clientProperties(), config.topics(), codec, config.sendTimeout(),
                config.clock(), () -> "job-" + UUID.randomUUID(), new MediaInliner(config.media(), config.imageUrls()),
                config.effectiveMaxRequestBytes());
        this.metrics = new GatewayMetrics(view::lag, view::size, view::caughtUp);
        JobRoutes jobs = new JobRoutes(submitter, view, config.apiKeys(), metrics, codec.mapper(),
                config.effectiveMaxRequestBytes(), config.retryAfterSeconds());
        HealthRoutes health = new HealthRoutes(metrics::scrape, view::caughtUp);
        this.server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                // Helidon's own limit is a backstop; JobRoutes answers oversized jobs with a problem document.
                .maxPayloadSize(2L * config.effectiveMaxRequestBytes())
                .routing(r -> {
                    jobs.register(r);
                    health.register(r);
                })
                .build();
    }

    /** Starts the view and the HTTP server; returns once the server listens. */
    public static GatewayServer start(GatewayConfig config) {
        GatewayServer g = new GatewayServer(config);
        g.view.start();
        g.server.start();
        LOG.info("gateway listening on port {} (API keys: {}; image URLs fetched from: {})", g.port(),
                config.apiKeys().enabled() ? config.apiKeys().size() + " configured" : "off",
                config.imageUrls().allow().isEmpty() ? "none" : config.imageUrls().allow().entries());
        return g;
    }

    public int port() {
        return server.port();
    }

    public boolean ready() {
        return view.caughtUp();
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        server.stop();
        view.close();
        submitter.close();
    }
}
