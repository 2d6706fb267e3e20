package io.gemmafleet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.gateway.GatewayServer;
import io.gemmafleet.kafka.EmbeddedKafka;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.Sampling;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real in-process broker: N jobs through two gateway replicas (alternating) and N straight onto
 * Kafka, two workers on the tiny random model; every job reaches exactly one terminal result on the results
 * topic, and both replicas answer every job as succeeded. N is 200 unless {@code -Dgemma.e2e.jobs} says otherwise.
 */
class FleetThroughGatewayTest {

    private static final int JOBS = Integer.getInteger("gemma.e2e.jobs", 200);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JobCodec codec = new JobCodec();

    @Test
    void jobsThroughGatewaysAndStraightOntoKafkaEachGetExactlyOneResultVisibleFromBothReplicas() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             LocalFleet fleet = new LocalFleet(kafka.bootstrapServers(), dir, "e2e")) {
            GatewayServer a = fleet.gateway();
            GatewayServer b = fleet.gateway();
            fleet.worker("w1");
            fleet.worker("w2");
            long t0 = System.nanoTime();
            Set<String> ids = new TreeSet<>();
            String body = "{\"prompt\":\"hello\",\"sampling\":{\"max_tokens\":2,\"temperature\":0}}";
            for (int i = 0; i < JOBS; i++) {
                HttpResponse<String> r = post(i % 2 == 0 ? a : b, body);
                assertEquals(202, r.statusCode(), r.body());
                ids.add(JSON.readTree(r.body()).get("job_id").asText());
            }
            long submitMs = (System.nanoTime() - t0) / 1_000_000;
            try (var producer = new KafkaProducer<String, byte[]>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers(), "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < JOBS; i++) {
                    String id = "direct-" + i;
                    ids.add(id);
                    producer.send(new ProducerRecord<>(fleet.topics.textJobs(), id, codec.encode(
                            JobRequest.rawPrompt(id, "hi " + i, Sampling.greedy(2)).withSubmittedAt(Instant.now()))));
                }
            }
            Map<String, Integer> resultsPerJob = awaitResults(kafka.bootstrapServers(), fleet.topics.results(), ids,
                    Duration.ofSeconds(240));
            long allDoneMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ids, resultsPerJob.keySet(), "every job has a result");
            resultsPerJob.forEach((id, n) -> assertEquals(1, n, id + " has " + n + " results"));
            for (GatewayServer g : List.of(a, b)) {
                awaitVisible(g, ids);
            }
            System.out.printf("[e2e gateway] %d jobs via 2 gateways (%d ms to submit) + %d direct, 2 workers: all "
                    + "results in %d ms, visible on both replicas in %d ms%n", JOBS, submitMs, JOBS, allDoneMs,
                    (System.nanoTime() - t0) / 1_000_000);
            String metrics = get(a, "/metrics").body();
            assertTrue(metrics.contains("gemma_gateway_submissions_total{outcome=\"accepted\"} " + (JOBS / 2 + JOBS % 2)),
                    metrics);
        }
    }

    /** Every job answered {@code succeeded}, with a result labelled as random weights, by this replica. */
    private void awaitVisible(GatewayServer g, Set<String> ids) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (String id : ids) {
            JsonNode body;
            do {
                body = JSON.readTree(get(g, "/v1/jobs/" + id).body());
            } while (!"succeeded".equals(body.path("status").asText()) && System.nanoTime() < end
                    && sleep(20));
            assertEquals("succeeded", body.path("status").asText(), id + " on port " + g.port() + ": " + body);
            assertTrue(body.get("result").get("served_by").get("random_weights").asBoolean());
        }
    }

    private static boolean sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
        return true;
    }

    /** Counts result records per job id on the results topic until every id has one, or the timeout. */
    private static Map<String, Integer> awaitResults(String bootstrap, String topic, Set<String> ids,
                                                     Duration timeout) {
        Map<String, Integer> counts = new HashMap<>();
        try (var c = new KafkaConsumer<String, byte[]>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long end = System.nanoTime() + timeout.toNanos();
            while (!counts.keySet().containsAll(ids) && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    counts.merge(r.key(), 1, Integer::sum);
                }
            }
            // A duplicate would arrive after the first: keep reading briefly before judging "exactly one".
            long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < settle) {
                c.poll(Duration.ofMillis(200)).forEach(r -> counts.merge(r.key(), 1, Integer::sum));
            }
        }
        return counts;
    }

    private HttpResponse<String> post(GatewayServer g, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + "/v1/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(GatewayServer g, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
