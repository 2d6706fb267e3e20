package io.gemmafleet.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gemmafleet.gateway.media.ImageUrlPolicy;
import io.gemmafleet.gateway.media.MediaLimits;
import io.gemmafleet.gateway.media.UrlAllowList;
import io.gemmafleet.kafka.EmbeddedKafka;
import io.gemmafleet.schemas.ContentPart;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.InlineMedia;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.VideoFrame;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Image and video jobs through the gateway over HTTP against a real in-process broker: each accepted form lands on
 * the image topic as a worker will read it (URLs replaced by the bytes the gateway fetched from a local image
 * server on 127.0.0.1), and each refusal is a problem document naming its field and limit with nothing published.
 */
class GatewayMediaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUN = new AtomicInteger();
    /** Small "images": the worker decodes pixels, the gateway only moves bytes, so any bytes do. */
    private static final byte[] CAT = "\u0089PNG cat pixels".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] DOG = "GIF89a dog frames".getBytes(StandardCharsets.ISO_8859_1);
    private static final String CAT64 = Base64.getEncoder().encodeToString(CAT);
    private static final int MAX_IMAGE = 4096;
    private static final int MAX_REQUEST = 12 * 1024;

    private static EmbeddedKafka kafka;
    private static HttpServer images;
    private static HttpServer elsewhere;
    private static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private static final AtomicLong hugeBytesSent = new AtomicLong();
    private static final List<GatewayServer> gateways = new ArrayList<>();
    private static FleetTopics topics;
    /** Fetches from the local image server; refuses everything else. */
    private static GatewayServer fetching;
    /** Default URL policy: fetches nothing. */
    private static GatewayServer plain;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JobCodec codec = new JobCodec();

    @BeforeAll
    static void start() throws IOException {
        kafka = EmbeddedKafka.start();
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.createContext("/img/cat.png", ex -> send(ex, 200, "image/png; charset=binary", CAT));
        images.createContext("/img/dog.gif", ex -> send(ex, 200, "image/gif", DOG));
        images.createContext("/img/to-cat", ex -> redirect(ex, "/img/cat.png"));
        images.createContext("/img/loop", ex -> redirect(ex, "/img/loop"));
        images.createContext("/img/page.html", ex -> send(ex, 200, "text/html", "<html/>".getBytes()));
        images.createContext("/img/missing", ex -> send(ex, 404, "text/plain", "no".getBytes()));
        images.createContext("/img/big.png", ex -> send(ex, 200, "image/png", new byte[MAX_IMAGE + 1]));
        images.createContext("/img/huge.png", GatewayMediaTest::endless);
        images.createContext("/img/slow.png", ex -> {
            sleep(3000);
            send(ex, 200, "image/png", CAT);
        });
        images.createContext("/private/cat.png", ex -> send(ex, 200, "image/png", CAT));
        images.start();
        elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/img/cat.png", ex -> send(ex, 200, "image/png", CAT));
        elsewhere.start();
        images.createContext("/img/away", ex -> redirect(ex, base(elsewhere) + "/img/cat.png"));

        topics = topics();
        MediaLimits limits = new MediaLimits(MAX_IMAGE, 4);
        fetching = gateway(GatewayConfig.defaults(kafka.bootstrapServers()).withPort(0).withTopics(topics)
                .withMedia(limits).withMaxRequestBytes(MAX_REQUEST)
                .withImageUrls(ImageUrlPolicy.NONE.withTimeout(Duration.ofMillis(1500)).withAllow(UrlAllowList.parse(
                        List.of(base(images) + "/img/", "localhost")))));
        plain = gateway(GatewayConfig.defaults(kafka.bootstrapServers()).withPort(0).withTopics(topics)
                .withMedia(limits));
    }

    @AfterAll
    static void stop() {
        gateways.forEach(GatewayServer::close);
        images.stop(0);
        elsewhere.stop(0);
        kafka.close();
    }

    private static GatewayServer gateway(GatewayConfig config) {
        GatewayServer g = GatewayServer.start(config);
        gateways.add(g);
        return g;
    }

    private static FleetTopics topics() {
        Properties p = new Properties();
        String prefix = "media" + RUN.incrementAndGet();
        for (String t : List.of("text", "image", "results", "dead-letter", "status", "cancel")) {
            p.setProperty("gemma.topics." + t, prefix + "." + t);
        }
        p.setProperty("gemma.topics.job-partitions", "1");
        p.setProperty("gemma.topics.results-partitions", "1");
        return FleetTopics.fromProperties(p);
    }

    private static String base(HttpServer s) {
        return "http://127.0.0.1:" + s.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        hits.computeIfAbsent(ex.getHttpContext().getServer() == elsewhere ? "elsewhere" : ex.getRequestURI().getPath(),
                k -> new AtomicInteger()).incrementAndGet();
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    /** An image with no Content-Length that never ends (64 MiB at most): the gateway must stop reading itself. */
    private static void endless(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "image/png");
        ex.sendResponseHeaders(200, 0); // chunked
        byte[] chunk = new byte[16 * 1024];
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 4096; i++) {
                out.write(chunk);
                hugeBytesSent.addAndGet(chunk.length);
            }
        } catch (IOException closedByTheGateway) {
            // expected: the gateway hangs up once it has read past its limit
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<String> post(GatewayServer g, String content) throws Exception {
        return postBody(g, "{\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]}");
    }

    private HttpResponse<String> postBody(GatewayServer g, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + g.port() + "/v1/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The job as published on the image topic, found by the id the 202 named. */
    private JobRequest published(HttpResponse<String> accepted) throws Exception {
        assertEquals(202, accepted.statusCode(), accepted.body());
        acceptedJobs.incrementAndGet();
        String id = JSON.readTree(accepted.body()).get("job_id").asText();
        ConsumerRecord<String, byte[]> r = TopicRecords.find(kafka.bootstrapServers(), topics.imageJobs(), id);
        String json = new String(r.value(), StandardCharsets.UTF_8);
        assertFalse(json.contains("http://"), "no URL reaches a worker: " + json);
        return codec.decodeRequest(r.value());
    }

    /** A refused job is never published: the job topics hold exactly the jobs answered 202. */
    private static void nothingPublishedBeyondTheAccepted() {
        int n = TopicRecords.count(kafka.bootstrapServers(), topics.imageJobs())
                + TopicRecords.count(kafka.bootstrapServers(), topics.textJobs());
        assertEquals(acceptedJobs.get(), n, "records on the job topics");
    }

    private static final AtomicInteger acceptedJobs = new AtomicInteger();

    private static JsonNode problem(HttpResponse<String> r, int status, String slug, String field) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
        JsonNode p = JSON.readTree(r.body());
        assertEquals("https://gemma-fleet.io/problems/" + slug, p.get("type").asText(), r.body());
        assertEquals(field, p.path("field").asText(), r.body());
        assertFalse(p.get("detail").asText().isBlank());
        return p;
    }

    private static byte[] bytes(ContentPart part) {
        ContentPart.Image img = (ContentPart.Image) part;
        assertNull(img.url(), "inlined");
        return InlineMedia.decode(img.data(), img.mediaType()).bytes();
    }

    @Test
    void inlineImagesInEveryFormAreAcceptedOnTheImageTopic() throws Exception {
        JobRequest job = published(postBody(plain, """
                {"pan_and_scan":true,"messages":[{"role":"user","content":[
                  {"type":"image","data":"%s","media_type":"image/png"},
                  {"type":"image","data":"data:image/png;base64,%s"},
                  {"type":"image","url":"data:image/png;base64,%s"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}},
                  {"type":"text","text":"which is the cat?"}]}]}""".formatted(CAT64, CAT64, CAT64, CAT64)));
        assertEquals(Boolean.TRUE, job.panAndScan());
        List<ContentPart> parts = job.messages().getFirst().content();
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(CAT, bytes(parts.get(i)), "part " + i);
            ContentPart.Image img = (ContentPart.Image) parts.get(i);
            assertEquals("image/png", InlineMedia.decode(img.data(), img.mediaType()).mediaType(), "part " + i);
        }
        assertEquals(new ContentPart.Text("which is the cat?"), parts.get(4));
    }

    @Test
    void allowedUrlsAreFetchedFollowingRedirectsAndInlined() throws Exception {
        int before = hits.getOrDefault("/img/cat.png", new AtomicInteger()).get();
        JobRequest job = published(post(fetching, """
                [{"type":"image","url":"%1$s/img/cat.png","media_type":"image/jpeg"},
                 {"type":"image_url","image_url":{"url":"%1$s/img/dog.gif"}},
                 {"type":"image","url":"%1$s/img/to-cat"}]""".formatted(base(images))));
        List<ContentPart> parts = job.messages().getFirst().content();
        assertArrayEquals(CAT, bytes(parts.get(0)));
        assertEquals(ContentPart.Image.ofData(CAT64, "image/png"), parts.get(0),
                "the served content type is recorded, parameters dropped, over the declared one");
        assertArrayEquals(DOG, bytes(parts.get(1)));
        assertEquals("image/gif", InlineMedia.decode(((ContentPart.Image) parts.get(1)).data(), null).mediaType());
        assertArrayEquals(CAT, bytes(parts.get(2)), "redirect followed");
        assertEquals(before + 2, hits.get("/img/cat.png").get());
    }

    @Test
    void videoJobsLandOnTheImageTopicWithTheirFramesInlined() throws Exception {
        JobRequest frames = published(post(fetching, """
                [{"type":"video","max_frames":2,"frames":[
                   {"data":"%s","media_type":"image/png","timestamp":0},
                   {"url":"%s/img/cat.png","timestamp":0.5}]},
                 {"type":"text","text":"what happens?"}]""".formatted(CAT64, base(images))));
        ContentPart.Video video = (ContentPart.Video) frames.messages().getFirst().content().getFirst();
        assertEquals(2, video.maxFrames());
        assertEquals(List.of(VideoFrame.ofData(CAT64, "image/png", 0), VideoFrame.ofData(CAT64, "image/png", 0.5)),
                video.frames());

        String gif = Base64.getEncoder().encodeToString(DOG);
        JobRequest clip = published(post(plain, "[{\"type\":\"video\",\"data\":\"" + gif
                + "\",\"media_type\":\"image/gif\"},{\"type\":\"text\",\"text\":\"and here?\"}]"));
        assertEquals(ContentPart.Video.ofClip(gif, "image/gif", null), clip.messages().getFirst().content().getFirst());
        assertTrue(clip.hasImage());
    }

    @Test
    void urlsOffTheAllowListAre400AndNeverFetched() throws Exception {
        String cat = base(images) + "/img/cat.png";
        JsonNode none = problem(post(plain, "[{\"type\":\"image\",\"url\":\"" + cat + "\"}]"), 400,
                "image-url-not-allowed", "$.messages[0].content[0].url");
        assertTrue(none.get("detail").asText().contains("--image-url-allow"), none.toString());
        problem(post(plain, "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]"),
                400, "image-url-not-allowed", "$.messages[0].content[0].image_url.url");
        problem(post(fetching, "[{\"type\":\"image\",\"url\":\"" + base(images) + "/private/cat.png\"}]"), 400,
                "image-url-not-allowed", "$.messages[0].content[0].url");
        JsonNode http = problem(post(fetching, "[{\"type\":\"image\",\"url\":\"http://localhost:"
                + images.getAddress().getPort() + "/img/cat.png\"}]"), 400, "image-url-not-allowed",
                "$.messages[0].content[0].url");
        assertTrue(http.get("detail").asText().contains("http://"), "a host pattern admits https only: " + http);
        JsonNode away = problem(post(fetching, "[{\"type\":\"video\",\"frames\":[{\"url\":\"" + base(images)
                + "/img/away\",\"timestamp\":0}]}]"), 400, "image-url-not-allowed",
                "$.messages[0].content[0].frames[0].url");
        assertTrue(away.get("detail").asText().contains("redirects to"), away.toString());
        assertNull(hits.get("/private/cat.png"));
        assertNull(hits.get("elsewhere"), "a redirect off the list is not followed");
        nothingPublishedBeyondTheAccepted();
    }

    @Test
    void unfetchableUrlsAre400() throws Exception {
        String img = base(images) + "/img/";
        problem(post(fetching, "[{\"type\":\"image\",\"url\":\"" + img + "missing\"}]"), 400, "image-fetch-failed",
                "$.messages[0].content[0].url");
        JsonNode html = problem(post(fetching, "[{\"type\":\"image\",\"url\":\"" + img + "page.html\"}]"), 400,
                "image-fetch-failed", "$.messages[0].content[0].url");
        assertTrue(html.get("detail").asText().contains("text/html"), html.toString());
        problem(post(fetching, "[{\"type\":\"image\",\"url\":\"" + img + "loop\"}]"), 400, "image-fetch-failed",
                "$.messages[0].content[0].url");
        long t0 = System.nanoTime();
        JsonNode slow = problem(post(fetching, "[{\"type\":\"image\",\"url\":\"" + img + "slow.png\"}]"), 400,
                "image-fetch-failed", "$.messages[0].content[0].url");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(slow.get("detail").asText().contains("1500 ms"), slow.toString());
        assertTrue(ms < 2900, "the fetch timeout (1.5 s) cut a 3 s answer short; took " + ms + " ms");
        nothingPublishedBeyondTheAccepted();
    }

    @Test
    void imagesOverTheSizeLimitAre413NamingIt() throws Exception {
        String big = Base64.getEncoder().encodeToString(new byte[MAX_IMAGE + 1]);
        JsonNode inline = problem(post(plain, "[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"image\",\"data\":\""
                + big + "\"}]"), 413, "image-too-large", "$.messages[0].content[1].data");
        assertEquals("max-image-bytes", inline.get("limit").asText());
        assertEquals(MAX_IMAGE, inline.get("limit_value").asLong());
        assertTrue(inline.get("detail").asText().contains((MAX_IMAGE + 1) + " bytes"), inline.toString());
        published(post(plain, "[{\"type\":\"image\",\"data\":\"" + Base64.getEncoder().encodeToString(
                new byte[MAX_IMAGE]) + "\"}]")); // exactly the limit is fine

        String img = base(images) + "/img/";
        JsonNode declared = problem(post(fetching, "[{\"type\":\"image\",\"url\":\"" + img + "big.png\"}]"), 413,
                "image-too-large", "$.messages[0].content[0].url");
        assertEquals("max-image-bytes", declared.get("limit").asText());
        long t0 = System.nanoTime();
        JsonNode streamed = problem(post(fetching, "[{\"type\":\"video\",\"frames\":[{\"url\":\"" + img
                + "huge.png\",\"timestamp\":0}]}]"), 413, "image-too-large", "$.messages[0].content[0].frames[0].url");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(streamed.get("detail").asText().contains("more than " + MAX_IMAGE), streamed.toString());
        System.out.println("[gateway] endless image refused after " + ms + " ms; the server wrote "
                + hugeBytesSent.get() + " bytes before the gateway hung up");
        assertTrue(hugeBytesSent.get() < 64L << 20, "the gateway stopped reading at its limit");
        nothingPublishedBeyondTheAccepted();
    }

    @Test
    void tooManyImagesIs400NamingTheLimit() throws Exception {
        String frame = "{\"data\":\"" + CAT64 + "\",\"timestamp\":%d}";
        String frames = String.join(",", List.of(frame.formatted(0), frame.formatted(1), frame.formatted(2)));
        JsonNode p = problem(post(plain, "[{\"type\":\"image\",\"data\":\"" + CAT64 + "\"},{\"type\":\"video\","
                + "\"frames\":[" + frames + "]},{\"type\":\"image\",\"data\":\"" + CAT64 + "\"}]"), 400,
                "too-many-images", "$.messages");
        assertEquals("max-images", p.get("limit").asText());
        assertEquals(4, p.get("limit_value").asInt());
        assertTrue(p.get("detail").asText().contains("5 images"), p.toString());
        nothingPublishedBeyondTheAccepted();
    }

    @Test
    void requestsOverTheSizeLimitAre413NamingIt() throws Exception {
        JsonNode small = problem(postBody(fetching, "{\"prompt\":\"" + "x".repeat(MAX_REQUEST) + "\"}"), 413,
                "payload-too-large", "$");
        assertEquals("max-request-bytes", small.get("limit").asText());
        assertEquals(MAX_REQUEST, small.get("limit_value").asInt());
        // Four fetched images of 4 KiB each are within every image limit, but not within 12 KiB once inlined.
        String big = "{\"type\":\"image\",\"url\":\"" + base(images) + "/img/big4k.png\"}";
        images.createContext("/img/big4k.png", ex -> send(ex, 200, "image/png", new byte[MAX_IMAGE]));
        JsonNode inlined = problem(post(fetching, "[" + String.join(",", List.of(big, big, big, big)) + "]"), 413,
                "payload-too-large", "$");
        assertTrue(inlined.get("detail").asText().contains("images inlined"), inlined.toString());
        nothingPublishedBeyondTheAccepted();
    }

    @Test
    void badInlineDataIs400NamingTheField() throws Exception {
        JsonNode b64 = problem(post(plain, "[{\"type\":\"image\",\"data\":\"iVBOR%w0KGgo=\"}]"), 400,
                "invalid-request", "$.messages[0].content[0].data");
        assertTrue(b64.get("detail").asText().contains("not valid base64"), b64.toString());
        problem(post(plain, "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,abc\"}}]"), 400,
                "invalid-request", "$.messages[0].content[0].image_url.url");
        problem(post(plain, "[{\"type\":\"video\",\"frames\":[{\"data\":\"" + CAT64 + "\",\"timestamp\":1},"
                + "{\"data\":\"" + CAT64 + "\",\"timestamp\":0}]}]"), 400, "invalid-request",
                "$.messages[0].content[0].frames[1].timestamp");
        problem(post(plain, "[{\"type\":\"video\",\"data\":\"" + CAT64 + "\",\"frames\":[{\"data\":\"" + CAT64
                + "\",\"timestamp\":0}]}]"), 400, "invalid-request", "$.messages[0].content[0]");
        nothingPublishedBeyondTheAccepted();
    }
}
