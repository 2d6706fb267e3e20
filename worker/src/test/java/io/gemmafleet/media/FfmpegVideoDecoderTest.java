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

    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({
        "libx264, clip.mp4, video/mp4",
        "libx265, clip.mp4, video/mp4",
        "libvpx, clip.webm, video/webm",
        "libvpx-vp9, clip.webm, video/webm",
        "mpeg4, clip.mov, video/quicktime",
        "libx264, clip.mkv, video/x-matroska",
        "mpeg4, clip.avi, video/x-msvideo",
    })
    void fourFramesEvenlyOverTwoSeconds(String codec, String name, String mediaType) throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        Path clip = dir.resolve(name);
        byte[] bytes = TestClips.make(clip, codec);
        // Sample times 0, .5, 1, 1.5 s of 20 frames at 10 per second: frames 0, 5, 10, 15 at their own times.
        assertFrames(clip, decoder(tools).sample(bytes, mediaType, 4), new int[] {0, 5, 10, 15},
                new double[] {0, 0.5, 1.0, 1.5});
    }

    @Test
    void framesAreTheOnesShowingAtTheSampleTimesAndNeverRepeat() throws Exception {
        FfmpegTools tools = TestClips.requireFfmpeg();
        Path clip = dir.resolve("bframes.mp4");
        byte[] bytes = TestClips.make(clip, "libx264", "-bf", "3"); // B-frames: decode order is not display order
        // Sample times 0, 2/3, 4/3 s: frames 0 (0-.1), 6 (.6-.7) and 13 (1.3-1.4), stamped with their start.
        assertFrames(clip, decoder(tools).sample(bytes, null, 3), new int[] {0, 6, 13}, new double[] {0, 0.6, 1.3});
        List<VideoFrame> all = decoder(tools).sample(bytes, "video/mp4", 50);
        assertEquals(TestClips.FRAMES, all.size(), "a clip of 20 frames gives at most 20");
        for (int i = 1; i < all.size(); i++) {
            assertEquals(i * 0.1, all.get(i).timestampSeconds(), 1e-6, "frame " + i + " in order");
            assertFalse(Arrays.equals(all.get(i - 1).image().rgb(), all.get(i).image().rgb()),
                    "testsrc changes every frame, so frames " + (i - 1) + " and " + i + " differ");
        }
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
