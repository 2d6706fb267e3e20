package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Clips in MP4, MOV, WebM, MKV and AVI through {@link VideoDecoder} and ffmpeg: which frames are picked, when they
 * show, that their pixels are the frames ffmpeg itself decodes without seeking, and every way a hostile or broken
 * clip is refused. The clips are written by ffmpeg at test time; without ffmpeg those tests skip.
 */
class FfmpegVideoDecoderTest {

    @TempDir
    Path dir;

    private static VideoDecoder decoder(FfmpegTools tools) {
        return new VideoDecoder(ImageLimits.DEFAULTS, 1 << 20, VideoDecoder.DEFAULT_MAX_DECODED_PIXELS, tools);
    }

    private void assertFrames(Path clip, List<VideoFrame> frames, int[] indices, double[] times) throws Exception {
        assertEquals(indices.length, frames.size(), "frames picked");
        for (int i = 0; i < indices.length; i++) {
            assertEquals(times[i], frames.get(i).timestampSeconds(), 1e-6, "timestamp of frame " + i);
            RgbImage reference = TestClips.reference(clip, indices[i]);
            assertEquals(reference.width(), frames.get(i).image().width(), "width of frame " + indices[i]);
            assertEquals(reference.height(), frames.get(i).image().height(), "height of frame " + indices[i]);
            assertArrayEquals(reference.rgb(), frames.get(i).image().rgb(), "pixels of frame " + indices[i]);
        }
    }

    /**
     * Four frames of a clip {@code seconds} long at 10 frames a second with a keyframe every {@code gop} frames.
     * 2 s with the encoders' default of 250: one keyframe for all 20 frames, so one pass decodes fewer frames than
     * four seeks would. 10 s with a keyframe every 10 frames: each frame is a short decode from the keyframe before
     * it, so each is sought.
     */
    @ParameterizedTest(name = "{0} in {1}, {3} s, keyframe every {4}")
    @CsvSource({
        "libx264, clip.mp4, video/mp4, 2, 250",
        "libx264, clip.mp4, video/mp4, 10, 10",
        "libx265, clip.mp4, video/mp4, 2, 250",
        "libvpx, clip.webm, video/webm, 2, 250",
        "libvpx-vp9, clip.webm, video/webm, 2, 250",
        "libvpx-vp9, clip.webm, video/webm, 10, 10",
        "libaom-av1, clip.webm, video/webm, 2, 250",
        "mpeg4, clip.mov, video/quicktime, 2, 250",
        "libx264, clip.mkv, video/x-matroska, 10, 10",
        "mpeg4, clip.avi, video/x-msvideo, 2, 250",
    })
    void fourFramesEvenlyOverTheClip(String codec, String name, String mediaType, int seconds, int gop)
            throws Exception {
        Path log = dir.resolve("ffmpeg.log");
        FfmpegTools tools = TestClips.logging(TestClips.requireFfmpeg(), dir, log);
        Path clip = dir.resolve(name);
        byte[] bytes = TestClips.make(clip, seconds, codec, "-g", Integer.toString(gop));
        // Sample times k × seconds / 4 fall on frame starts: frames k × 10 × seconds / 4, at their own times.
        int[] indices = new int[4];
        double[] times = new double[4];
        for (int k = 0; k < 4; k++) {
            indices[k] = k * 10 * seconds / 4;
            times[k] = k * seconds / 4.0;
        }
        assertFrames(clip, decoder(tools).sample(bytes, mediaType, 4), indices, times);
        List<String> runs = Files.readAllLines(log);
        if (gop < 250) {
            assertEquals(4, runs.size(), "one run per frame: " + runs);
            assertEquals(3, runs.stream().filter(r -> r.contains("-ss ")).count(), "the first frame needs no seek");
        } else {
            assertEquals(1, runs.size(), "one pass: " + runs);
            assertTrue(runs.getFirst().contains("select=eq(n\\,0)+eq(n\\,5)+eq(n\\,10)+eq(n\\,15)"),
                    runs.getFirst());
        }
        assertTrue(runs.stream().allMatch(r -> r.contains("-protocol_whitelist file") && r.contains("-threads 1")
                && r.contains("-nostdin") && r.contains("-f " + (name.endsWith("mp4") || name.endsWith("mov")
                ? "mov" : name.endsWith("avi") ? "avi" : "matroska"))), runs.toString());
    }

    @Test
    void framesAreTheOnesShowingAtTheSampleTimesAndNeverRepeat() throws Exception {
        Path log = dir.resolve("ffmpeg.log");
        FfmpegTools tools = TestClips.logging(TestClips.requireFfmpeg(), dir, log);
        Path clip = dir.resolve("bframes.mp4");
        // 100 frames with B-frames (decode order is not display order) and a keyframe every 10 frames.
        byte[] bytes = TestClips.make(clip, 10, "libx264", "-bf", "3", "-g", "10");
        // Sample times 0, 10/3 and 20/3 s: frames 0 (0-.1), 33 (3.3-3.4) and 66 (6.6-6.7), stamped with their start;
        // each is a short decode from the keyframe before it, so each is sought.
        assertFrames(clip, decoder(tools).sample(bytes, null, 3), new int[] {0, 33, 66}, new double[] {0, 3.3, 6.6});
        assertEquals(3, Files.readAllLines(log).size(), "one run per frame");
        Files.delete(log);
        // Every other frame: one pass decodes fewer frames than 50 seeks.
        List<VideoFrame> half = decoder(tools).sample(bytes, "video/mp4", 50);
        assertEquals(1, Files.readAllLines(log).size(), "one pass");
        assertEquals(50, half.size());
        for (int i = 1; i < half.size(); i++) {
            assertEquals(i * 0.2, half.get(i).timestampSeconds(), 1e-6, "frame " + i + " in order");
            assertFalse(Arrays.equals(half.get(i - 1).image().rgb(), half.get(i).image().rgb()),
                    "testsrc changes every frame, so picks " + (i - 1) + " and " + i + " differ");
        }
        assertArrayEquals(TestClips.reference(clip, 98).rgb(), half.getLast().image().rgb(), "pixels of frame 98");
        assertArrayEquals(TestClips.reference(clip, 34).rgb(), half.get(17).image().rgb(), "pixels of frame 34");
    }

    @Test
    void noMoreFramesThanTheClipHas() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        byte[] bytes = TestClips.make(dir.resolve("clip.webm"), "libvpx-vp9");
        List<VideoFrame> all = decoder(tools).sample(bytes, "video/webm", 50);
        assertEquals(TestClips.FRAMES, all.size(), "a clip of 20 frames gives at most 20");
        assertEquals(1.9, all.getLast().timestampSeconds(), 1e-6);
    }

    @Test
    void aRotatedClipComesOutUpright() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        Path clip = dir.resolve("rotated.mp4");
        TestClips.make(dir.resolve("plain.mp4"), "libx264");
        TestClips.ffmpeg("-i", dir.resolve("plain.mp4").toString(), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                clip.toString());
        byte[] bytes = Files.readAllBytes(clip);
        List<VideoFrame> frames = decoder(tools).sample(bytes, "video/mp4", 2);
        assertEquals(TestClips.HEIGHT, frames.getFirst().image().width(), "a quarter turn swaps width and height");
        assertFrames(clip, frames, new int[] {0, 10}, new double[] {0, 1.0});
    }

    @Test
    void framesOverThePixelLimitAreRefusedBeforeAnyIsDecoded() throws Exception {
        FfmpegTools real = TestClips.requireFfmpeg();
        byte[] bytes = TestClips.make(dir.resolve("clip.mp4"), "libx264");
        Path ran = dir.resolve("ffmpeg-ran");
        FfmpegTools probeOnly = new FfmpegTools(TestClips.script(dir, "ffmpeg", "touch " + ran + "; exit 1"),
                real.ffprobe(), real.callTimeout(), real.clipTimeout());
        VideoDecoder small = new VideoDecoder(new ImageLimits(1 << 20, 64 * 48 - 1), 1 << 20,
                VideoDecoder.DEFAULT_MAX_DECODED_PIXELS, probeOnly);
        MediaException e = assertThrows(MediaException.class, () -> small.sample(bytes, "video/mp4", 4));
        assertTrue(e.getMessage().contains("64x48 pixels"), e.getMessage());
        assertFalse(Files.exists(ran), "ffmpeg was never started");
        VideoDecoder budget = new VideoDecoder(ImageLimits.DEFAULTS, 1 << 20, 64 * 48 * 3, probeOnly);
        MediaException total = assertThrows(MediaException.class, () -> budget.sample(bytes, "video/mp4", 4));
        assertTrue(total.getMessage().contains("would decode to"), total.getMessage());
        assertFalse(Files.exists(ran), "ffmpeg was never started");
    }

    @Test
    void aClipOverTheSizeLimitIsRefusedBeforeAnythingRuns() throws Exception {
        Path ran = dir.resolve("ran");
        Path fake = TestClips.script(dir, "ffmpeg", "touch " + ran + "; exit 1");
        TestClips.script(dir, "ffprobe", "touch " + ran + "; exit 1");
        byte[] mp4 = isoHeader("isom", 4096);
        VideoDecoder tiny = new VideoDecoder(ImageLimits.DEFAULTS, 1000, VideoDecoder.DEFAULT_MAX_DECODED_PIXELS,
                FfmpegTools.at(fake, Duration.ofSeconds(5), Duration.ofSeconds(5)));
        MediaException e = assertThrows(MediaException.class, () -> tiny.sample(mp4, "video/mp4", 4));
        assertTrue(e.getMessage().contains("limit is 1000 bytes"), e.getMessage());
        assertFalse(Files.exists(ran), "neither ffprobe nor ffmpeg was started");
    }

    @Test
    void truncatedClipsAreRefused() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        byte[] moovLast = TestClips.make(dir.resolve("clip.mp4"), "libx264");
        MediaException lost = assertThrows(MediaException.class,
                () -> decoder(tools).sample(Arrays.copyOf(moovLast, moovLast.length / 2), "video/mp4", 4));
        assertTrue(lost.getMessage().contains("could not be probed"), lost.getMessage());
        byte[] moovFirst = TestClips.make(dir.resolve("faststart.mp4"), "libx264", "-movflags", "+faststart");
        MediaException cut = assertThrows(MediaException.class,
                () -> decoder(tools).sample(Arrays.copyOf(moovFirst, moovFirst.length * 2 / 3), "video/mp4", 4));
        assertTrue(cut.getMessage().startsWith("The MP4 clip could not be"), cut.getMessage());
    }

    @Test
    void garbageBehindAnMp4MagicIsRefusedWithAClientSafeMessage() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        byte[] garbage = isoHeader("isom", 2048);
        MediaException e = assertThrows(MediaException.class, () -> decoder(tools).sample(garbage, null, 4));
        assertTrue(e.getMessage().startsWith("The MP4 clip could not be probed"), e.getMessage());
        assertFalse(e.getMessage().contains(System.getProperty("java.io.tmpdir")), "no path of the worker: "
                + e.getMessage());
        assertFalse(e.getMessage().matches("(?s).*0x[0-9a-f]{6,}.*"), "no memory address: " + e.getMessage());
        assertTrue(e.getMessage().length() < 400, e.getMessage());
    }

    @Test
    void aClipWithoutVideoIsRefused() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        Path audio = dir.resolve("sound.mp4");
        TestClips.ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", audio.toString());
        MediaException e = assertThrows(MediaException.class,
                () -> decoder(tools).sample(Files.readAllBytes(audio), "video/mp4", 4));
        assertEquals("The clip has no video stream.", e.getMessage());
    }

    @Test
    void declaredTypesMustAgreeWithTheData() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        byte[] mp4 = TestClips.make(dir.resolve("clip.mp4"), "libx264");
        MediaException webm = assertThrows(MediaException.class, () -> decoder(tools).sample(mp4, "video/webm", 4));
        assertEquals("The clip was declared as video/webm but the data is in the MP4 container (video/mp4).",
                webm.getMessage());
        MediaException gif = assertThrows(MediaException.class, () -> decoder(tools).sample(mp4, "image/gif", 4));
        assertTrue(gif.getMessage().contains("declared as image/gif"), gif.getMessage());
        // QuickTime and MP4 are one ISO media family that clients label either way; the same demuxer reads both.
        assertEquals(2, decoder(tools).sample(mp4, "video/quicktime", 2).size());
        byte[] png = Files.readAllBytes(ReferenceCase.IMAGES.resolve("rgb_nonsquare.png"));
        MediaException image = assertThrows(MediaException.class, () -> decoder(tools).sample(png, "video/mp4", 4));
        assertEquals("The clip was declared as video/mp4 but the data is a PNG image.", image.getMessage());
        byte[] noise = new byte[300];
        new Random(7).nextBytes(noise);
        MediaException unknown = assertThrows(MediaException.class,
                () -> decoder(tools).sample(noise, "video/ogg", 4));
        assertTrue(unknown.getMessage().contains("MP4, QuickTime (MOV), WebM"), unknown.getMessage());
    }

    @Test
    void aRunPastItsTimeIsKilledWithWhatItStarted() throws Exception {
        Path pidFile = dir.resolve("sleeper.pid");
        // A stand-in ffprobe that starts a child which would outlive it by far.
        Path probe = TestClips.script(dir, "ffprobe", "sleep 60 & echo $! > " + pidFile + "; wait");
        Path ffmpeg = TestClips.script(dir, "ffmpeg", "exit 1");
        FfmpegTools slow = new FfmpegTools(ffmpeg, probe, Duration.ofMillis(500), Duration.ofSeconds(30));
        long start = System.nanoTime();
        MediaException e = assertThrows(MediaException.class,
                () -> decoder(slow).sample(isoHeader("isom", 512), "video/mp4", 4));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(e.getMessage().startsWith("The clip took too long to decode"), e.getMessage());
        assertTrue(seconds < 5, "gave up after " + seconds + " s");
        long sleeper = Long.parseLong(Files.readString(pidFile).strip());
        assertFalse(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false),
                "the stand-in's child was killed too");
    }

    @Test
    void aTinyPerRunTimeoutStopsRealFfmpeg() throws Exception {
        FfmpegTools real = TestClips.requireFfmpeg();
        byte[] bytes = TestClips.make(dir.resolve("clip.webm"), "libvpx-vp9");
        FfmpegTools hurried = new FfmpegTools(real.ffmpeg(), real.ffprobe(), Duration.ofMillis(1),
                Duration.ofSeconds(10));
        MediaException e = assertThrows(MediaException.class, () -> decoder(hurried).sample(bytes, null, 4));
        assertTrue(e.getMessage().contains("took too long"), e.getMessage());
    }

    @Test
    void withoutFfmpegAClipIsRefusedWithAClearMessage() throws Exception {
        FfmpegTools absent = FfmpegTools.at(dir.resolve("no-such-dir/ffmpeg"), Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        assertFalse(absent.installed());
        MediaException e = assertThrows(MediaException.class,
                () -> decoder(absent).sample(isoHeader("isom", 512), "video/mp4", 4));
        assertEquals("This worker cannot decode video/mp4: ffmpeg is not installed; send frames instead.",
                e.getMessage());
        byte[] webm = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, (byte) 0x9F, 0x42, (byte) 0x82, (byte) 0x84, 'w',
                'e', 'b', 'm'};
        MediaException w = assertThrows(MediaException.class, () -> decoder(absent).sample(webm, null, 4));
        assertTrue(w.getMessage().contains("cannot decode video/webm"), w.getMessage());
        // GIF clips need no ffmpeg.
        byte[] gif = Files.readAllBytes(ReferenceCase.IMAGES.resolve("anim.gif"));
        assertEquals(4, decoder(absent).sample(gif, "image/gif", 4).size());
    }

    /** An ISO media header (ftyp box with {@code brand}) followed by random bytes, {@code length} in all. */
    private static byte[] isoHeader(String brand, int length) {
        byte[] data = new byte[length];
        new Random(length).nextBytes(data);
        byte[] head = ("\0\0\0\u0020ftyp" + brand + "\0\0\u0002\0").getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(head, 0, data, 0, head.length);
        return data;
    }
}
