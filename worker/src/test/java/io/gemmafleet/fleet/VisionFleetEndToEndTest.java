package io.gemmafleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.testmodel.TestImages;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.kafka.EmbeddedKafka;
import io.gemmafleet.results.ResultPublisher;
import io.gemmafleet.schemas.ContentPart;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobStatus;
import io.gemmafleet.schemas.Message;
import io.gemmafleet.schemas.Sampling;
import io.gemmafleet.schemas.VideoFrame;
import io.gemmafleet.worker.WorkerService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Image and video jobs end to end on a real in-process broker: one vision worker (the tiny multimodal model: CPU
 * executor + {@code CpuVisionEncoder}) and one text-only worker in the same group, in both intake modes. Every job
 * gets exactly one terminal result; image and video jobs are served by the vision worker with 256 soft tokens per
 * image in their prompt; bad media is refused ({@code invalid_media} + a dead letter) without stopping the worker.
 */
class VisionFleetEndToEndTest {

    private static final String VISION = "vision";
    private static final String TEXT_ONLY = "text-only";
    /** Soft tokens per image of the tiny tower (as Gemma 3's: 16 × 16 pooled patches). */
    private static final int SOFT_TOKENS = 256;
    private static final int CONTEXT = 2048;

    static EmbeddedKafka kafka;
    static final AtomicInteger RUN = new AtomicInteger();

    @TempDir
    Path modelDir;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void imageAndVideoJobsAreServedByTheVisionWorkerAndBadMediaIsRefused(IntakeMode mode) throws Exception {
        try (FleetHarness h = new FleetHarness(kafka.bootstrapServers(), modelDir,
                "v" + RUN.incrementAndGet() + "-" + mode.name().toLowerCase(), true)) {
            WorkerService vision = h.startVisionWorker(VISION, mode, 4, CONTEXT);
            h.startWorker(TEXT_ONLY, mode, 4);
            Thread.sleep(3000); // let both join before producing, so no rebalance moves work mid-flight

            byte[] png = TestImages.png(64, 48, 1);
            byte[] jpeg = TestImages.jpeg(40, 40, 2);
            byte[] other = TestImages.png(30, 50, 3);
            Map<String, JobRequest> images = new LinkedHashMap<>();
            images.put("png-inline", job("png-inline", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(png), "image/png")));
            images.put("jpeg-inline", job("jpeg-inline", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(jpeg), "image/jpeg")));
            images.put("data-uri", job("data-uri", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.dataUri("image/png", png), null)));
            images.put("two-images", job("two-images", text("Compare"),
                    ContentPart.Image.ofData(TestImages.base64(png), "image/png"), text("with"),
                    ContentPart.Image.ofData(TestImages.base64(other), "image/png")));
            images.put("repeat-1", job("repeat-1", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(other), "image/png")));
            images.put("repeat-2", job("repeat-2", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(other), "image/png")));
            images.put("video-frames", job("video-frames", text("What happens?"), ContentPart.Video.ofFrames(List.of(
                    VideoFrame.ofData(TestImages.base64(png), "image/png", 0.0),
                    VideoFrame.ofData(TestImages.base64(jpeg), "image/jpeg", 0.5),
                    VideoFrame.ofData(TestImages.base64(other), "image/png", 1.25)), null)));
            images.put("video-gif", job("video-gif", text("What happens?"),
                    ContentPart.Video.ofClip(TestImages.base64(resource("/media/anim.gif")), "image/gif", 2)));
            Map<String, JobRequest> bad = new LinkedHashMap<>();
            bad.put("bad-truncated", job("bad-truncated", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(TestImages.truncated(png)), "image/png")));
            bad.put("bad-lying-type", job("bad-lying-type", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(png), "image/jpeg")));
            bad.put("bad-bomb", job("bad-bomb", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(TestImages.pngClaiming(100_000, 100_000)), "image/png")));
            bad.put("bad-url", job("bad-url", text("Describe this image"),
                    ContentPart.Image.ofUrl("https://img.example.com/cat.png")));
            Set<String> texts = new TreeSet<>();
            for (int i = 0; i < 12; i++) {
                String id = "text-" + i;
                texts.add(id);
                h.send(id, h.codec.encode(JobRequest.chat(id, "hello " + i, Sampling.greedy(3))));
            }
            // The text job whose prompt the one-image jobs extend by exactly one image.
            h.send("text-reference", h.codec.encode(JobRequest.chat("text-reference", "Describe this image",
                    Sampling.greedy(3))));
            texts.add("text-reference");
            images.forEach((id, r) -> h.sendImageJob(id, h.codec.encode(r)));
            bad.forEach((id, r) -> h.sendImageJob(id, h.codec.encode(r)));
            h.flush();

            Set<String> first = new TreeSet<>(texts);
            first.addAll(images.keySet());
            first.addAll(bad.keySet());
            Map<String, List<JobResult>> results = h.results(r -> r.keySet().containsAll(first),
                    Duration.ofSeconds(90));
            assertEquals(first, results.keySet(), "every job reached a terminal result");

            // After the bad media, the vision worker still serves images.
            JobRequest after = job("after-bad", text("Describe this image"),
                    ContentPart.Image.ofData(TestImages.base64(jpeg), "image/jpeg"));
            h.sendImageJob("after-bad", h.codec.encode(after));
            h.flush();
            Set<String> all = new TreeSet<>(first);
            all.add("after-bad");
            // Read a little past the last result: a duplicate would come after the first.
            results = h.results(r -> r.keySet().containsAll(all), Duration.ofSeconds(60));
            Map<String, List<JobResult>> settled = h.results(r -> false, Duration.ofSeconds(2));
            assertEquals(all, settled.keySet(), "every job reached a terminal result");
            settled.forEach((id, rs) -> assertEquals(1, rs.size(), id + " has " + rs.size() + " results"));
            images.put("after-bad", after);

            for (String id : images.keySet()) {
                JobResult r = settled.get(id).getFirst();
                assertEquals(JobStatus.SUCCEEDED, r.status(), id + ": " + r.error());
                assertEquals(VISION, r.servedBy().workerId(), id + " was served by " + r.servedBy().workerId());
            }
            for (String id : texts) {
                assertEquals(JobStatus.SUCCEEDED, settled.get(id).getFirst().status(), id);
            }
            // 13 pictures, 5 distinct (png, jpeg, other, the GIF's two frames): each distinct one went through the
            // tower once; the rest were shared within a batch or came from the soft-token cache ("after-bad" at
            // least, sent after the others finished).
            String metrics = vision.metrics().scrape();
            assertEquals(5.0, metric(metrics, "gemma_images_encoded_total"), metrics);
            assertTrue(metric(metrics, "gemma_image_cache_hits_total") >= 1, metrics);
            for (String id : bad.keySet()) {
                JobResult r = settled.get(id).getFirst();
                assertEquals(JobStatus.FAILED, r.status(), id);
                assertEquals(ErrorCodes.INVALID_MEDIA, r.error().code(), id + ": " + r.error());
                assertEquals(VISION, r.servedBy().workerId(), id + " was refused by " + r.servedBy().workerId());
            }
            assertMentions(settled.get("bad-truncated"), "$.messages[0].content[1]", "PNG");
            assertMentions(settled.get("bad-lying-type"), "declared as image/jpeg");
            assertMentions(settled.get("bad-bomb"), "100000x100000", "megapixels");
            assertMentions(settled.get("bad-url"), "workers take inline data only", "was not fetched",
                    "https://img.example.com/cat.png");
            // The text-only worker took no image job: every image-topic job above names the vision worker.
            long byTextOnly = settled.values().stream()
                    .filter(rs -> rs.getFirst().servedBy().workerId().equals(TEXT_ONLY)).count();
            assertTrue(settled.keySet().stream().filter(id -> settled.get(id).getFirst().servedBy().workerId()
                    .equals(TEXT_ONLY)).allMatch(texts::contains), "the text-only worker answered only text jobs");

            List<ConsumerRecord<String, byte[]>> dead = h.deadLetters(bad.size(), Duration.ofSeconds(30));
            assertEquals(bad.keySet(), dead.stream().map(ConsumerRecord::key).collect(Collectors.toSet()));
            dead.forEach(d -> assertEquals(ErrorCodes.INVALID_MEDIA,
                    new String(d.headers().lastHeader(ResultPublisher.H_REASON).value())));

            assertPromptTokens(h, settled);
            System.out.printf("[vision e2e %s] %d image/video jobs by %s, %d text jobs (%d by %s), %d refused%n",
                    mode, images.size(), VISION, texts.size(), byTextOnly, TEXT_ONLY, bad.size());
        }
    }

    /**
     * The prompts hold 256 soft tokens per image plus each image's {@code \n\n<start_of_image>} …
     * {@code <end_of_image>\n\n}, as Gemma 3's processor writes them (the expected prompts are spelled out here).
     */
    private static void assertPromptTokens(FleetHarness h, Map<String, List<JobResult>> results) {
        String image = "\n\n<start_of_image><end_of_image>\n\n";
        String user = "<bos><start_of_turn>user\n";
        String turnEnd = "<end_of_turn>\n<start_of_turn>model\n";
        int oneImage = h.tokenCount(user + "Describe this image" + image + turnEnd) + SOFT_TOKENS;
        for (String id : List.of("png-inline", "jpeg-inline", "data-uri", "repeat-1", "repeat-2", "after-bad")) {
            assertEquals(oneImage, promptTokens(results, id), id);
        }
        // The one-image prompt extends the text job's by exactly the image's sequence.
        assertEquals(h.tokenCount(user + "Describe this image" + turnEnd) + h.tokenCount(image) + SOFT_TOKENS,
                promptTokens(results, "png-inline"));
        assertEquals(h.tokenCount(user + "Describe this image" + turnEnd), promptTokens(results, "text-reference"));
        assertEquals(h.tokenCount(user + "Compare" + image + "with" + image + turnEnd) + 2 * SOFT_TOKENS,
                promptTokens(results, "two-images"));
        assertEquals(h.tokenCount(user + "What happens?Frame 1 at 0:00.0:" + image + "Frame 2 at 0:00.5:" + image
                + "Frame 3 at 0:01.3:" + image + turnEnd) + 3 * SOFT_TOKENS, promptTokens(results, "video-frames"));
        // anim.gif: 4 frames shown 100, 200, 300, 400 ms; two sampled evenly: frames 0 (0 s) and 2 (0.3 s).
        assertEquals(h.tokenCount(user + "What happens?Frame 1 at 0:00.0:" + image + "Frame 2 at 0:00.3:" + image
                + turnEnd) + 2 * SOFT_TOKENS, promptTokens(results, "video-gif"));
    }

    private static int promptTokens(Map<String, List<JobResult>> results, String id) {
        JobResult r = results.get(id).getFirst();
        assertNotNull(r.usage(), id + " has no usage");
        return r.usage().promptTokens();
    }

    private static void assertMentions(List<JobResult> results, String... parts) {
        String message = results.getFirst().error().message();
        for (String part : parts) {
            assertTrue(message.contains(part), "\"" + message + "\" should mention \"" + part + "\"");
        }
    }

    private static ContentPart text(String text) {
        return new ContentPart.Text(text);
    }

    private static JobRequest job(String id, ContentPart... parts) {
        return new JobRequest(JobCodec.SCHEMA_VERSION, id, null, List.of(new Message("user", List.of(parts))), null,
                Sampling.greedy(3), null, null, null);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = VisionFleetEndToEndTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " is missing from the test resources");
            return in.readAllBytes();
        }
    }

    /** The value of an untagged (apart from the worker) meter in a Prometheus scrape. */
    private static double metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not in the scrape"));
    }
}
