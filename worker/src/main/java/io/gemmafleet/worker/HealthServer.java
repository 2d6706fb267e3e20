package io.gemmafleet.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The worker's HTTP endpoints on the JDK's built-in server (no framework for three GETs): {@code /metrics}
 * (Prometheus text), {@code /health/live} (the process loop is alive) and {@code /health/ready} (intake joined,
 * breaker closed, not draining); 200 or 503.
 */
public final class HealthServer implements AutoCloseable {

    private final HttpServer server;

    public HealthServer(int port, Supplier<String> metrics, BooleanSupplier live, BooleanSupplier ready)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4", metrics.get()));
        server.createContext("/health/live", ex -> status(ex, live.getAsBoolean()));
        server.createContext("/health/ready", ex -> status(ex, ready.getAsBoolean()));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void status(HttpExchange ex, boolean ok) throws IOException {
        send(ex, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "unavailable\n");
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
