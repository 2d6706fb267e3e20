package io.gemmafleet.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.gateway.auth.ApiKeys;
import io.gemmafleet.gateway.submit.JobSubmitter;
import io.gemmafleet.kafka.EmbeddedKafka;
import io.gemmafleet.schemas.CancelRequest;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobState;
import io.gemmafleet.schemas.JobStatus;
import io.gemmafleet.schemas.JobStatusEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway over HTTP against a real in-process broker: validation, 202 + Location, poll states driven by
 * results and status records written to Kafka (as a worker would), problem documents, API keys, Kafka down, and
 * restart. Each test uses its own topics.
 */
class GatewayHttpTest {

    private static final AtomicInteger RUN = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, byte[]> producer;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JobCodec codec = new JobCodec();
    private final List<GatewayServer> started = new java.util.ArrayList<>();

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() {
        producer.close();
        kafka.close();
    }

    @AfterEach
    void stopGateways() {
        started.forEach(GatewayServer::close);
    }

    private static FleetTopics topics() {
        Properties p = new Properties();
        String prefix = "gw" + RUN.incrementAndGet();
        for (String t : List.of("text", "image", "results", "dead-letter", "status", "cancel")) {
            p.setProperty("gemma.topics." + t, prefix + "." + t);
        }
        p.setProperty("gemma.topics.job-partitions", "2");
        p.setProperty("gemma.topics.results-partitions", "2");
        return FleetTopics.fromProperties(p);
    }

    private GatewayServer gateway(String bootstrap, FleetTopics topics, ApiKeys keys) throws InterruptedException {
        GatewayConfig config = GatewayConfig.defaults(bootstrap).withPort(0).withTopics(topics).withApiKeys(keys)
                .withClock(Clock.fixed(NOW, ZoneOffset.UTC));
        GatewayServer g = GatewayServer.start(config);
        started.add(g);
        return g;
    }

    private static void awaitReady(GatewayServer g) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!g.ready() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(g.ready(), "results view caught up");
    }

    private HttpResponse<String> post(GatewayServer g, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + "/v1/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(GatewayServer g, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + path));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> cancel(GatewayServer g, String id, String key, boolean viaDelete) throws Exception {
        HttpRequest.Builder b = viaDelete
                ? HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + "/v1/jobs/" + id)).DELETE()
                : HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + "/v1/jobs/" + id + "/cancel"))
                        .POST(HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls until the job shows {@code state}; returns the last body. */
    private JsonNode awaitState(GatewayServer g, String location, String key, String state) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode body = null;
        while (System.nanoTime() < end) {
            HttpResponse<String> r = get(g, location, key);
            if (r.statusCode() == 200) {
                body = JSON.readTree(r.body());
                if (body.get("status").asText().equals(state)) {
                    return body;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("never reached " + state + ": " + body);
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
        JsonNode p = JSON.readTree(r.body());
        assertEquals(status, p.get("status").asInt());
        assertTrue(p.get("type").asText().startsWith("https://"), r.body());
        assertFalse(p.get("title").asText().isBlank());
        assertFalse(p.get("detail").asText().isBlank());
        return p;
    }

    private void publishResult(FleetTopics t, String jobId, JobStatus status, String text) throws Exception {
        JobResult r = new JobResult(1, jobId, null, status, text, text == null ? null : "length",
                text == null ? null : new JobResult.Usage(3, 2), null,
                new JobResult.ServedBy("w1", "tiny.gguf", "tiny-random (RANDOM WEIGHTS)", 256, true),
                text == null ? new JobResult.JobError("runtime_error", "boom") : null, 1, NOW);
        producer.send(new ProducerRecord<>(t.results(), jobId, codec.encode(r))).get();
    }

    @Test
    void invalidSubmissionsAre400ProblemsNamingTheField() throws Exception {
        GatewayServer g = gateway(kafka.bootstrapServers(), topics(), ApiKeys.none());
        JsonNode p = problem(post(g, "{\"prompt\":\"hi\",\"sampling\":{\"top_p\":0}}", null), 400);
        assertEquals("$.sampling.top_p", p.get("field").asText());
        assertEquals("$.sampling.top_p", p.get("errors").get(0).get("field").asText());
        assertEquals("$.job_id", problem(post(g, "{\"job_id\":\"mine\",\"prompt\":\"hi\"}", null), 400)
                .get("field").asText());
        assertEquals("$", problem(post(g, "{\"prompt\":", null), 400).get("field").asText());
        assertTrue(problem(post(g, "{}", null), 400).get("detail").asText().contains("messages"));
        assertEquals("$.schema_version", problem(post(g, "{\"schema_version\":2,\"prompt\":\"x\"}", null), 400)
                .get("field").asText());
        problem(get(g, "/v1/jobs/no-such-job", null), 404);
        assertTrue(get(g, "/metrics", null).body().contains("gemma_gateway_submissions_total{outcome=\"invalid\"} 5"));
    }

    @Test
    void acceptedJobIs202WithLocationThenQueuedRunningSucceeded() throws Exception {
        FleetTopics t = topics();
        GatewayServer g = gateway(kafka.bootstrapServers(), t, ApiKeys.none());
        HttpResponse<String> r = post(g, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"client_job_id\":\"c-1\",\"sampling\":{\"max_tokens\":4}}", null);
        assertEquals(202, r.statusCode(), r.body());
        String location = r.headers().firstValue("Location").orElseThrow();
        JsonNode body = JSON.readTree(r.body());
        String id = body.get("job_id").asText();
        assertEquals("/v1/jobs/" + id, location);
        assertEquals("queued", body.get("status").asText());
        // Read-your-writes on the replica that accepted it, before any worker.
        assertEquals("queued", JSON.readTree(get(g, location, null).body()).get("status").asText());

        ConsumerRecord<String, byte[]> job = readOne(t.textJobs());
        assertEquals(id, job.key());
        var request = codec.decodeRequest(job.value());
        assertEquals(NOW, request.submittedAt(), "submitted_at from the injected clock");
        assertEquals("c-1", request.clientJobId());

        producer.send(new ProducerRecord<>(t.status(), id,
                codec.encode(JobStatusEvent.of(id, JobState.RUNNING, "w1", NOW)))).get();
        awaitState(g, location, null, "running");
        publishResult(t, id, JobStatus.SUCCEEDED, "hello");
        JsonNode done = awaitState(g, location, null, "succeeded");
        assertEquals("hello", done.get("result").get("text").asText());
        assertTrue(done.get("result").get("served_by").get("random_weights").asBoolean());
        // A late status event never moves a finished job back.
        producer.send(new ProducerRecord<>(t.status(), id,
                codec.encode(JobStatusEvent.of(id, JobState.RUNNING, "w2", NOW)))).get();
        Thread.sleep(300);
        assertEquals("succeeded", JSON.readTree(get(g, location, null).body()).get("status").asText());
    }

    @Test
    void imageJobsGoToTheImageTopicAndFailuresAnswerFailed() throws Exception {
        FleetTopics t = topics();
        GatewayServer g = gateway(kafka.bootstrapServers(), t, ApiKeys.none());
        HttpResponse<String> r = post(g, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
                + "\"data\":\"iVBORw0KGgo=\",\"media_type\":\"image/png\"},"
                + "{\"type\":\"text\",\"text\":\"what is this?\"}]}]}", null);
        assertEquals(202, r.statusCode(), r.body());
        String id = JSON.readTree(r.body()).get("job_id").asText();
        assertEquals(id, readOne(t.imageJobs()).key());
        publishResult(t, id, JobStatus.FAILED, null);
        JsonNode failed = awaitState(g, "/v1/jobs/" + id, null, "failed");
        assertEquals("runtime_error", failed.get("result").get("error").get("code").asText());
    }

    @Test
    void apiKeysGate401AndScopeJobsToTheirKeyWithoutLoggingKeys() throws Exception {
        String alice = "alice-secret-key-7f3a9c";
        String bob = "bob-secret-key-0d1e2f";
        ApiKeys keys = ApiKeys.parse(List.of("# test keys", "alice:" + ApiKeys.sha256Hex(alice),
                "bob:" + ApiKeys.sha256Hex(bob)));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            FleetTopics t = topics();
            GatewayServer g = gateway(kafka.bootstrapServers(), t, keys);
            problem(post(g, "{\"prompt\":\"hi\"}", null), 401);
            problem(post(g, "{\"prompt\":\"hi\"}", "wrong-key-55aa"), 401);
            problem(get(g, "/v1/jobs/x", null), 401);
            HttpResponse<String> r = post(g, "{\"prompt\":\"hi\"}", alice);
            assertEquals(202, r.statusCode(), r.body());
            String location = r.headers().firstValue("Location").orElseThrow();
            assertEquals(200, get(g, location, alice).statusCode());
            problem(get(g, location, bob), 404);
            // Ownership comes back from Kafka: a second replica knows it too.
            GatewayServer other = gateway(kafka.bootstrapServers(), t, keys);
            awaitReady(other);
            assertEquals(200, get(other, location, alice).statusCode());
            problem(get(other, location, bob), 404);
            assertEquals(200, get(g, "/health/live", null).statusCode());
        } finally {
            System.setErr(oldErr);
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        for (String secret : List.of(alice, bob, "wrong-key-55aa", ApiKeys.sha256Hex(alice))) {
            assertFalse(logged.contains(secret), "a key (or its hash) was logged");
        }
    }

    @Test
    void kafkaUnreachableIs503WithRetryAfterQuickly() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort(); // closed again: nothing listens there
        }
        GatewayServer g = gateway("localhost:" + dead, topics(), ApiKeys.none());
        long t0 = System.nanoTime();
        HttpResponse<String> r = post(g, "{\"prompt\":\"hi\"}", null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        problem(r, 503);
        assertEquals("2", r.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(ms < 6000, "503 took " + ms + " ms");
        System.out.println("[gateway] Kafka unreachable: 503 after " + ms + " ms");
        assertEquals(503, get(g, "/health/ready", null).statusCode());
        assertEquals(200, get(g, "/health/live", null).statusCode());
        assertTrue(get(g, "/metrics", null).body().contains("outcome=\"unavailable\""));
        problem(cancel(g, "job-1", null, false), 503);
        assertTrue(get(g, "/metrics", null).body()
                .contains("gemma_gateway_cancels_total{outcome=\"unavailable\"} 1"));
    }

    @Test
    void cancelWritesARecordKeyedByTheJobIdAndAFinishedJobIs409() throws Exception {
        FleetTopics t = topics();
        GatewayServer g = gateway(kafka.bootstrapServers(), t, ApiKeys.none());
        String id = JSON.readTree(post(g, "{\"prompt\":\"long\"}", null).body()).get("job_id").asText();
        HttpResponse<String> r = cancel(g, id, null, false);
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("/v1/jobs/" + id, r.headers().firstValue("Location").orElseThrow());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(id, body.get("job_id").asText());
        assertEquals("requested", body.get("cancel").asText());
        // An id the view has never seen (written to Kafka straight, or not read yet) is cancelled too.
        assertEquals(202, cancel(g, "job-never-seen", null, true).statusCode(), "DELETE alias");

        List<ConsumerRecord<String, byte[]>> cancels = read(t.cancel(), 2);
        assertEquals(java.util.Set.of(id, "job-never-seen"),
                java.util.Set.copyOf(cancels.stream().map(ConsumerRecord::key).toList()));
        for (ConsumerRecord<String, byte[]> c : cancels) {
            CancelRequest request = codec.decodeCancel(c.value());
            assertEquals(c.key(), request.jobId());
            assertEquals(NOW, request.requestedAt(), "requested_at from the injected clock");
            assertEquals(ApiKeys.ANONYMOUS, new String(c.headers().lastHeader(JobSubmitter.OWNER_HEADER).value(),
                    StandardCharsets.UTF_8));
        }

        publishResult(t, id, JobStatus.SUCCEEDED, "done");
        awaitState(g, "/v1/jobs/" + id, null, "succeeded");
        JsonNode p = problem(cancel(g, id, null, false), 409);
        assertTrue(p.get("detail").asText().contains("succeeded"), p.toString());
        problem(cancel(g, "bad!id", null, false), 404);
        String metrics = get(g, "/metrics", null).body();
        assertTrue(metrics.contains("gemma_gateway_cancels_total{outcome=\"requested\"} 2"), metrics);
        assertTrue(metrics.contains("gemma_gateway_cancels_total{outcome=\"finished\"} 1"), metrics);
    }

    @Test
    void cancelNeedsAKeyAndOnlyTheOwnerCancels() throws Exception {
        String alice = "alice-cancel-key-1a2b";
        String bob = "bob-cancel-key-3c4d";
        ApiKeys keys = ApiKeys.parse(List.of("alice:" + ApiKeys.sha256Hex(alice), "bob:" + ApiKeys.sha256Hex(bob)));
        FleetTopics t = topics();
        GatewayServer g = gateway(kafka.bootstrapServers(), t, keys);
        String id = JSON.readTree(post(g, "{\"prompt\":\"hi\"}", alice).body()).get("job_id").asText();
        problem(cancel(g, id, null, false), 401);
        problem(cancel(g, id, "wrong-key-99", true), 401);
        problem(cancel(g, id, bob, false), 404);
        problem(cancel(g, id, bob, true), 404);
        assertEquals(202, cancel(g, id, alice, false).statusCode());
        ConsumerRecord<String, byte[]> only = read(t.cancel(), 1).getFirst();
        assertEquals(id, only.key());
        assertEquals("alice", new String(only.headers().lastHeader(JobSubmitter.OWNER_HEADER).value(),
                StandardCharsets.UTF_8));
    }

    @Test
    void aRestartedGatewayStillAnswersEarlierResults() throws Exception {
        FleetTopics t = topics();
        GatewayServer first = gateway(kafka.bootstrapServers(), t, ApiKeys.none());
        String done = JSON.readTree(post(first, "{\"prompt\":\"one\"}", null).body()).get("job_id").asText();
        String waiting = JSON.readTree(post(first, "{\"prompt\":\"two\"}", null).body()).get("job_id").asText();
        publishResult(t, done, JobStatus.SUCCEEDED, "out");
        awaitState(first, "/v1/jobs/" + done, null, "succeeded");
        first.close();
        started.remove(first);

        GatewayServer second = gateway(kafka.bootstrapServers(), t, ApiKeys.none());
        awaitReady(second);
        JsonNode body = JSON.readTree(get(second, "/v1/jobs/" + done, null).body());
        assertEquals("succeeded", body.get("status").asText());
        assertEquals("out", body.get("result").get("text").asText());
        assertEquals("queued", JSON.readTree(get(second, "/v1/jobs/" + waiting, null).body())
                .get("status").asText());
        assertEquals(200, get(second, "/health/ready", null).statusCode());
        String metrics = get(second, "/metrics", null).body();
        assertTrue(metrics.contains("gemma_gateway_results_view_lag 0.0"), metrics);
        assertTrue(metrics.contains("gemma_gateway_polls_total{state=\"succeeded\"}"), metrics);
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic, int n) {
        return TopicRecords.read(kafka.bootstrapServers(), topic, n);
    }

    private static ConsumerRecord<String, byte[]> readOne(String topic) {
        return TopicRecords.readOne(kafka.bootstrapServers(), topic);
    }
}
