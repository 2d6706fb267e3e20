package io.gemmafleet.gateway.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text), {@code /health/live} (the server answers) and {@code /health/ready} (the
 * results view has caught up, so a poll answers what Kafka knows); 200 or 503. No API key needed: these carry no
 * job data and probes cannot hold secrets.
 */
public final class HealthRoutes {

    private final Supplier<String> metrics;
    private final BooleanSupplier ready;

    public HealthRoutes(Supplier<String> metrics, BooleanSupplier ready) {
        this.metrics = metrics;
        this.ready = ready;
    }

    public void register(HttpRouting.Builder routing) {
        routing.get("/metrics", (req, res) -> text(res, 200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.get()))
                .get("/health/live", (req, res) -> text(res, 200, "text/plain", "ok\n"))
                .get("/health/ready", (req, res) -> {
                    boolean ok = ready.getAsBoolean();
                    text(res, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "results view catching up\n");
                });
    }

    private static void text(ServerResponse res, int status, String type, String body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.send(body.getBytes(StandardCharsets.UTF_8));
    }
}
