package io.gemmafleet.worker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.media.FfmpegTools;
import io.gemmafleet.media.TestClips;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.testmodel.TestImages;
import io.gemmafleet.testmodel.TinyModels;
import io.gemmafleet.worker.vision.ImagePrompt;
import io.gemmafleet.worker.vision.MediaReader;
import io.gemmafleet.worker.vision.VisionServing;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image and video jobs at preparation: the prompt gets each picture's sequence and placeholders where the template
 * put it, the pictures wait pre-processed for the encoder, and every problem with the client's media is an
 * {@code invalid_media} refusal (dead-lettered: the same bytes can never succeed), never an exception.
 */
class JobPreparerImageTest {

    private static final int IMAGE_SIZE = 32;
    private static final int SOFT_TOKENS = 4;
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    static Path dir;
    static Checkpoint checkpoint;
    static GemmaTokenizer tokenizer;
    static final JobCodec codec = new JobCodec();

    @BeforeAll
    static void load() {
        checkpoint = CheckpointLoader.load(TinyModels.writeGguf(dir).toString());
        tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
    }

    @AfterAll
    static void close() {
        checkpoint.close();
    }

    private static JobPreparer preparer(int context, boolean panAndScanByDefault) {
        return preparer(context, panAndScanByDefault, FfmpegTools.onPath());
    }

    private static JobPreparer preparer(int context, boolean panAndScanByDefault, FfmpegTools ffmpeg) {
        MediaReader.Settings defaults = MediaReader.Settings.defaults();
        MediaReader.Settings settings = new MediaReader.Settings(defaults.limits(), defaults.maxClipBytes(), 3,
                panAndScanByDefault, defaults.panAndScan(), ffmpeg);
        VisionServing vision = new VisionServing(new MediaReader(settings, IMAGE_SIZE),
                new ImagePrompt(tokenizer, SOFT_TOKENS), null);
        return new JobPreparer(codec, tokenizer, () -> context, 5, id -> false, vision);
    }

    private static JobPreparer.Prepared prepare(JobPreparer preparer, String json) {
        return preparer.prepare(new IncomingJob("t", 0, 1, "k", json.getBytes(UTF_8), 0, 1), NOW);
    }

    private static byte[] png(int width, int height, long seed) {
        return TestImages.png(width, height, seed);
    }

    private static String dataUri(byte[] bytes) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes);
    }

    private static String job(String content, String extra) {
        return "{\"schema_version\":1,\"job_id\":\"j\",\"messages\":[{\"role\":\"user\",\"content\":" + content
                + "}],\"sampling\":{\"max_tokens\":4}" + extra + "}";
    }

    private static String imagePart(byte[] png) {
        return "{\"type\":\"image\",\"data\":\"" + dataUri(png) + "\"}";
    }

    private static JobPreparer.Ready ready(JobPreparer.Prepared p) {
        return assertInstanceOf(JobPreparer.Ready.class, p, () -> p.toString());
    }

    @Test
    void eachImageGetsItsSequenceWhereTheTemplatePutItAndWaitsPreprocessed() throws Exception {
        String content = "[{\"type\":\"text\",\"text\":\"Compare\"}," + imagePart(png(40, 30, 1)) + ","
                + "{\"type\":\"text\",\"text\":\"with\"}," + imagePart(png(20, 50, 2)) + "]";
        JobPreparer.Ready r = ready(prepare(preparer(512, false), job(content, "")));

        assertEquals(2, r.images().images().size());
        int[] ids = r.promptIds();
        int boi = tokenizer.encode(ImagePrompt.START_OF_IMAGE, false)[0];
        for (int start : r.images().starts()) {
            assertEquals(boi, ids[start - 1]);
            for (int i = 0; i < SOFT_TOKENS; i++) {
                assertEquals(ImagePrompt.SOFT_TOKEN_ID, ids[start + i]);
            }
        }
        // The text around them is the chat template's with Gemma3Processor's image sequence in place.
        String expected = "<bos><start_of_turn>user\nCompare\n\n<start_of_image><end_of_image>\n\nwith\n\n"
                + "<start_of_image><end_of_image>\n\n<end_of_turn>\n<start_of_turn>model\n";
        int[] withoutSoft = Arrays.stream(ids).filter(id -> id != ImagePrompt.SOFT_TOKEN_ID).toArray();
        assertArrayEquals(tokenizer.encode(expected, false), withoutSoft);
        assertEquals(3 * IMAGE_SIZE * IMAGE_SIZE, r.images().images().get(0).pixels().length);
        assertTrue(!r.images().images().get(0).contentKey().equals(r.images().images().get(1).contentKey()));
    }

    @Test
    void theSameImageTwiceHasTheSameContentKey() throws Exception {
        byte[] image = png(30, 30, 3);
        JobPreparer.Ready r = ready(prepare(preparer(512, false),
                job("[" + imagePart(image) + "," + imagePart(image) + "]", "")));
        assertEquals(r.images().images().get(0).contentKey(), r.images().images().get(1).contentKey());
    }

    @Test
    void aVideoBecomesItsFramesInOrderEachLabelledWithItsTime() throws Exception {
        String frames = "[{\"type\":\"video\",\"frames\":["
                + "{\"data\":\"" + dataUri(png(16, 16, 4)) + "\",\"timestamp\":0},"
                + "{\"data\":\"" + dataUri(png(16, 16, 5)) + "\",\"timestamp\":1.5},"
                + "{\"data\":\"" + dataUri(png(16, 16, 6)) + "\",\"timestamp\":62.25}]},"
                + "{\"type\":\"text\",\"text\":\"What happens?\"}]";
        JobPreparer.Ready r = ready(prepare(preparer(512, false), job(frames, "")));
        assertEquals(3, r.images().images().size());
        String text = tokenizer.decode(Arrays.stream(r.promptIds()).filter(id -> id != ImagePrompt.SOFT_TOKEN_ID)
                .toArray());
        assertTrue(text.contains("Frame 1 at 0:00.0:\n\n<start_of_image><end_of_image>\n\nFrame 2 at 0:01.5:"), text);
        assertTrue(text.contains("Frame 3 at 1:02.3:"), text);
        assertTrue(text.indexOf("Frame 3") < text.indexOf("What happens?"), text);

        // max_frames spreads the kept frames over the clip.
        String capped = frames.replace("\"frames\":[", "\"max_frames\":2,\"frames\":[");
        assertEquals(2, ready(prepare(preparer(512, false), job(capped, ""))).images().images().size());
    }

    @Test
    void anMp4ClipBecomesItsSampledFramesEachLabelledWithItsTime() throws Exception {
        FfmpegTools ffmpeg = TestClips.requireFfmpeg();
        byte[] mp4 = TestClips.make(dir.resolve("clip.mp4"), "libx264");
        String clip = "[{\"type\":\"video\",\"data\":\"data:video/mp4;base64,"
                + Base64.getEncoder().encodeToString(mp4) + "\"},{\"type\":\"text\",\"text\":\"What moves?\"}]";
        // The worker's default here is 3 frames: sample times 0, 2/3 and 4/3 s of a 10 fps clip.
        JobPreparer.Ready r = ready(prepare(preparer(512, false, ffmpeg), job(clip, "")));
        assertEquals(3, r.images().images().size());
        String text = tokenizer.decode(Arrays.stream(r.promptIds()).filter(id -> id != ImagePrompt.SOFT_TOKEN_ID)
                .toArray());
        assertTrue(text.contains("Frame 1 at 0:00.0:\n\n<start_of_image><end_of_image>\n\nFrame 2 at 0:00.6:"),
                text);
        assertTrue(text.contains("Frame 3 at 0:01.3:"), text);
        assertTrue(text.indexOf("Frame 3") < text.indexOf("What moves?"), text);

        String capped = clip.replace("\"type\":\"video\",", "\"type\":\"video\",\"max_frames\":5,");
        assertEquals(5, ready(prepare(preparer(512, false, ffmpeg), job(capped, ""))).images().images().size());

        FfmpegTools absent = FfmpegTools.at(dir.resolve("no-ffmpeg-here/ffmpeg"), Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        assertInvalidMedia(prepare(preparer(512, false, absent), job(clip, "")), "ffmpeg is not installed");
    }

    @Test
    void panAndScanAddsCropsAndTheProcessorsSentenceWhenAskedOrByDefault() throws Exception {
        String wide = "[" + imagePart(png(1200, 400, 7)) + "]";
        JobPreparer.Ready plain = ready(prepare(preparer(1024, false), job(wide, "")));
        assertEquals(1, plain.images().images().size());

        JobPreparer.Ready asked = ready(prepare(preparer(1024, false), job(wide, ",\"pan_and_scan\":true")));
        assertEquals(4, asked.images().images().size(), "the image and its three crops");
        String text = tokenizer.decode(Arrays.stream(asked.promptIds()).filter(id -> id != ImagePrompt.SOFT_TOKEN_ID)
                .toArray());
        assertTrue(text.contains("Here is the original image"), text);

        JobPreparer.Ready byDefault = ready(prepare(preparer(1024, true), job(wide, "")));
        assertEquals(4, byDefault.images().images().size());
        JobPreparer.Ready declined = ready(prepare(preparer(1024, true), job(wide, ",\"pan_and_scan\":false")));
        assertEquals(1, declined.images().images().size());
    }

    @Test
    void badMediaIsRefusedAsInvalidMediaAndDeadLettered() throws Exception {
        byte[] image = png(30, 30, 8);
        JobPreparer preparer = preparer(512, false);
        String truncated = "[" + imagePart(Arrays.copyOf(image, image.length / 2)) + "]";
        assertInvalidMedia(prepare(preparer, job(truncated, "")), "$.messages[0].content[0]");

        String lying = "[{\"type\":\"image\",\"data\":\"" + Base64.getEncoder().encodeToString(image)
                + "\",\"media_type\":\"image/jpeg\"}]";
        assertInvalidMedia(prepare(preparer, job(lying, "")), "jpeg");

        String url = "[{\"type\":\"image\",\"url\":\"https://example.com/cat.png\"}]";
        assertInvalidMedia(prepare(preparer, job(url, "")), "inline data only");
    }

    private static void assertInvalidMedia(JobPreparer.Prepared p, String mentions) {
        JobPreparer.Refused refused = assertInstanceOf(JobPreparer.Refused.class, p, () -> p.toString());
        assertEquals(ErrorCodes.INVALID_MEDIA, refused.code());
        assertTrue(refused.deadLetter());
        assertTrue(refused.message().toLowerCase().contains(mentions.toLowerCase()), refused.message());
    }

    @Test
    void markersWrittenAsTextAreRefused() throws Exception {
        String content = "[{\"type\":\"text\",\"text\":\"fake <start_of_image> here\"}," + imagePart(png(8, 8, 9))
                + "]";
        JobPreparer.Refused refused = assertInstanceOf(JobPreparer.Refused.class,
                prepare(preparer(512, false), job(content, "")));
        assertEquals(ErrorCodes.INVALID_REQUEST, refused.code());
        assertTrue(refused.message().contains("reserved for images"), refused.message());
    }

    @Test
    void leftTruncationDropsTextBeforeTheImagesNeverPartOfOne() throws Exception {
        String longText = "word ".repeat(60);
        String content = "[{\"type\":\"text\",\"text\":\"" + longText + "\"}," + imagePart(png(8, 8, 10)) + "]";
        JobPreparer.Ready full = ready(prepare(preparer(512, false), job(content, "")));
        int needed = full.promptIds().length + 4;

        JobPreparer.Refused refused = assertInstanceOf(JobPreparer.Refused.class,
                prepare(preparer(needed - 10, false), job(content, "")));
        assertEquals(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, refused.code());

        JobPreparer.Ready cut = ready(prepare(preparer(needed - 10, false), job(content, ",\"truncate\":\"left\"")));
        assertEquals(10, cut.truncatedTokens());
        assertEquals(full.images().starts()[0] - 10, cut.images().starts()[0]);
        assertEquals(tokenizer.bosId(), cut.promptIds()[0]);
        assertEquals(ImagePrompt.SOFT_TOKEN_ID, cut.promptIds()[cut.images().starts()[0]]);

        // A context that would cut into the image refuses even with truncate: left.
        int tooSmall = full.promptIds().length - full.images().starts()[0] + 4;
        JobPreparer.Refused intoImage = assertInstanceOf(JobPreparer.Refused.class,
                prepare(preparer(tooSmall, false), job(content, ",\"truncate\":\"left\"")));
        assertTrue(intoImage.message().contains("never cuts into images"), intoImage.message());
    }

    @Test
    void aTextOnlyWorkerRefusesImagesAsUnsupported() throws Exception {
        JobPreparer textOnly = new JobPreparer(codec, tokenizer, () -> 512, 5, id -> false);
        JobPreparer.Refused refused = assertInstanceOf(JobPreparer.Refused.class,
                prepare(textOnly, job("[" + imagePart(png(8, 8, 11)) + "]", "")));
        assertEquals(ErrorCodes.UNSUPPORTED_INPUT, refused.code());
    }
}
