package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frame sampling of the committed clips: {@code anim.gif} (4 frames shown 100, 200, 300, 400 ms) and
 * {@code anim.webp} (3 lossless frames shown 150, 150, 300 ms), both written by gemma3_preprocess.py's fixtures.
 * Frame pixels are compared with PIL's own compositing of each frame ({@code seek(i); convert("RGB")}), written
 * to {@code reference/<clip>.frame<i>.rgb} by the same script.
 */
class VideoDecoderTest {

    private final VideoDecoder decoder = new VideoDecoder(ImageLimits.DEFAULTS, 1 << 20);

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(ReferenceCase.IMAGES.resolve(name));
    }

    private static byte[] pilFrame(String clip, int index) throws IOException {
        return Files.readAllBytes(ReferenceCase.COMMITTED.resolve(clip + ".frame" + index + ".rgb"));
    }

    private static void assertFrames(List<VideoFrame> frames, String clip, int[] indices, double[] times)
            throws IOException {
        assertEquals(indices.length, frames.size(), "frames picked");
        for (int i = 0; i < indices.length; i++) {
            assertEquals(times[i], frames.get(i).timestampSeconds(), 1e-9, "timestamp of frame " + i);
            assertArrayEquals(pilFrame(clip, indices[i]), frames.get(i).image().rgb(), "pixels of frame " + indices[i]);
        }
    }

    @Test
    void gifEveryFrameWhenAskedForAsManyAsItHas() throws Exception {
        // Sample times 0, .25, .5, .75 s fall in frames 0 (0-.1), 1 (.1-.3), 2 (.3-.6), 3 (.6-1.0).
        assertFrames(decoder.sample(fixture("anim.gif"), "image/gif", 4), "gif_clip", new int[] {0, 1, 2, 3},
                new double[] {0, 0.1, 0.3, 0.6});
    }

    @Test
    void gifTwoFramesEvenlyOverTheDuration() throws Exception {
        // Sample times 0 and .5 s: frames 0 and 2.
        assertFrames(decoder.sample(fixture("anim.gif"), null, 2), "gif_clip", new int[] {0, 2},
                new double[] {0, 0.3});
    }

    @Test
    void gifNeverRepeatsAFrame() throws Exception {
        assertFrames(decoder.sample(fixture("anim.gif"), null, 10), "gif_clip", new int[] {0, 1, 2, 3},
                new double[] {0, 0.1, 0.3, 0.6});
    }

    @Test
    void animatedWebp() throws Exception {
        // Starts 0, .15, .30 s, end .60: sample times 0, .2, .4 pick frames 0, 1, 2; times 0 and .3 pick 0 and 2.
        assertFrames(decoder.sample(fixture("anim.webp"), "image/webp", 3), "webp_clip", new int[] {0, 1, 2},
                new double[] {0, 0.15, 0.3});
        assertFrames(decoder.sample(fixture("anim.webp"), null, 2), "webp_clip", new int[] {0, 2},
                new double[] {0, 0.3});
    }

    @Test
    void stillImageIsAOneFrameClip() throws Exception {
        List<VideoFrame> frames = decoder.sample(fixture("rgb_nonsquare.png"), "image/png", 8);
        assertEquals(1, frames.size());
        assertEquals(0.0, frames.getFirst().timestampSeconds());
        assertEquals(40, frames.getFirst().image().width());
    }

    @Test
    void clipLimits() throws IOException {
        byte[] gif = fixture("anim.gif");
        MediaException bytes = assertThrows(MediaException.class,
                () -> new VideoDecoder(ImageLimits.DEFAULTS, 1000).sample(gif, null, 4));
        assertTrue(bytes.getMessage().contains("limit is 1000 bytes"), bytes.getMessage());
        MediaException decoded = assertThrows(MediaException.class,
                () -> new VideoDecoder(ImageLimits.DEFAULTS, 1 << 20, 1000).sample(gif, null, 4));
        assertTrue(decoded.getMessage().contains("would decode to"), decoded.getMessage());
        MediaException lying = assertThrows(MediaException.class, () -> decoder.sample(gif, "image/webp", 4));
        assertTrue(lying.getMessage().contains("declared as image/webp"), lying.getMessage());
    }
}
