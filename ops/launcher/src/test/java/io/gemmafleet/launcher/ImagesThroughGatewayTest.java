package io.gemmafleet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.gateway.GatewayServer;
import io.gemmafleet.kafka.EmbeddedKafka;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image and video jobs through the gateway on a real in-process broker: POSTed in each wire form (a data URI, plain
 * base64 with its media type, OpenAI's {@code image_url}, timed video frames), they land on the image topic, are
 * served by the vision worker (never by the text-only one beside it in the group) and read back as
 * {@code succeeded} through {@code GET /v1/jobs/{id}}.
 */
class ImagesThroughGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void imageAndVideoJobsPostedToTheGatewayAreServedByTheVisionWorker() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             LocalFleet fleet = new LocalFleet(kafka.bootstrapServers(), dir, "img")) {
            GatewayServer gateway = fleet.gateway();
            fleet.visionWorker("vision");
            fleet.worker("text-only");
            String png = Base64.getEncoder().encodeToString(image("png", 1));
            String jpeg = Base64.getEncoder().encodeToString(image("jpg", 2));
            Map<String, ObjectNode> imageJobs = new LinkedHashMap<>();
            imageJobs.put("data-uri", part("image").put("data", "data:image/png;base64," + png));
            imageJobs.put("base64", part("image").put("data", jpeg).put("media_type", "image/jpeg"));
            ObjectNode openAi = part("image_url");
            openAi.putObject("image_url").put("url", "data:image/jpeg;base64," + jpeg);
            imageJobs.put("image_url", openAi);
            ObjectNode video = part("video");
            ArrayNode frames = video.putArray("frames");
            frames.addObject().put("data", png).put("media_type", "image/png").put("timestamp", 0.0);
            frames.addObject().put("data", "data:image/jpeg;base64," + jpeg).put("timestamp", 0.5);
            imageJobs.put("video", video);

            Map<String, String> kindById = new LinkedHashMap<>();
            for (Map.Entry<String, ObjectNode> e : imageJobs.entrySet()) {
                kindById.put(submit(gateway, withText("Describe this", e.getValue())), e.getKey());
            }
            kindById.put(submit(gateway, JSON.readTree(readmeImageRequest())), "README's example");
            Set<String> textIds = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                textIds.add(submit(gateway, JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i
                        + "\"}],\"sampling\":{\"max_tokens\":3,\"temperature\":0}}")));
            }

            assertEquals(kindById.keySet(), keysOn(kafka.bootstrapServers(), fleet.topics.imageJobs(),
                    kindById.size()), "the image jobs, and only they, are on the image topic");
            assertEquals(textIds, keysOn(kafka.bootstrapServers(), fleet.topics.textJobs(), textIds.size()),
                    "the text jobs, and only they, are on the text topic");
            for (Map.Entry<String, String> e : kindById.entrySet()) {
                JsonNode result = awaitSucceeded(gateway, e.getKey(), e.getValue());
                assertEquals("vision", result.at("/served_by/worker_id").asText(), e.getValue() + ": " + result);
                int images = e.getValue().equals("video") ? 2 : 1;
                int promptTokens = result.at("/usage/prompt_tokens").asInt();
                assertTrue(promptTokens > images * 256 && promptTokens < images * 256 + 64,
                        e.getValue() + ": " + promptTokens + " prompt tokens for " + images + " images of 256");
            }
            for (String id : textIds) {
                awaitSucceeded(gateway, id, "text");
            }
        }
    }

    /**
     * The body of the README quick-start's image request (its {@code curl … -d '…'} line with the example PNG that
     * {@code gemma-fleet dev} prints too), so the documented request is known to work.
     */
    private static String readmeImageRequest() throws Exception {
        Path readme = Path.of("../../README.md");
        assertTrue(java.nio.file.Files.isRegularFile(readme), "README.md not found from " + Path.of("").toAbsolutePath());
        String line = java.nio.file.Files.readAllLines(readme).stream()
                .filter(l -> l.startsWith("curl") && l.contains("base64," + DevCommand.EXAMPLE_PNG))
                .findFirst().orElseThrow(() -> new AssertionError("README has no image request with the example PNG"));
        return line.substring(line.indexOf("-d '") + 4, line.lastIndexOf('\''));
    }

    /** A small random-pixel image encoded as {@code format}. */
    private static byte[] image(String format, long seed) throws Exception {
        BufferedImage image = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out));
        return out.toByteArray();
    }

    private static ObjectNode part(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    /** A job of one user message: the text, then the media part; greedy, 3 tokens. */
    private static JsonNode withText(String text, ObjectNode media) {
        ObjectNode job = JSON.createObjectNode();
        ArrayNode content = job.putArray("messages").addObject().put("role", "user").putArray("content");
        content.add(part("text").put("text", text));
        content.add(media);
        job.putObject("sampling").put("max_tokens", 3).put("temperature", 0);
        return job;
    }

    /** POSTs the job; returns the id the gateway assigned once it answered 202. */
    private String submit(GatewayServer g, JsonNode job) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + g.port()
                + "/v1/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(job))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("job_id").asText();
    }

    /** Polls the gateway until the job succeeded (or 60 s); returns its result. */
    private JsonNode awaitSucceeded(GatewayServer g, String id, String what) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode body;
        do {
            body = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + g.port()
                    + "/v1/jobs/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
            if ("succeeded".equals(body.path("status").asText()) || "failed".equals(body.path("status").asText())) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        assertEquals("succeeded", body.path("status").asText(), what + " job " + id + ": " + body);
        return body.get("result");
    }

    /** The keys of the first {@code expected} records on {@code topic} (read from the start, up to 30 s). */
    private static Set<String> keysOn(String bootstrap, String topic, int expected) {
        Set<String> keys = new HashSet<>();
        try (var c = new KafkaConsumer<String, byte[]>(Map.of("bootstrap.servers", bootstrap,
                "max.partition.fetch.bytes", 8 << 20), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int read = 0;
            while (read < expected && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    keys.add(r.key());
                    read++;
                }
            }
            // Anything more that arrives shortly after would be a job on the wrong topic.
            c.poll(Duration.ofMillis(500)).forEach(r -> keys.add(r.key()));
        }
        return keys;
    }
}
