package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Reading ffprobe's compact output (frame order, discarded packets, missing fields, rotation, seek positions) and
 * choosing between seeks and one pass.
 */
class ClipProbeTest {

    @Test
    void framesInPresentationOrderFromPacketsInDecodeOrder() throws Exception {
        // As ffprobe prints an H.264 MP4 with B-frames (time base 1/10240, 10 fps): the stream line comes last.
        ClipProbe probe = ClipProbe.parse("""
                packet|pts=0|dts=-2048|duration=1024|flags=K_
                packet|pts=3072|dts=-1024|duration=1024|flags=__
                packet|pts=1024|dts=0|duration=1024|flags=__
                packet|pts=2048|dts=1024|duration=1024|flags=__
                stream|width=64|height=48|time_base=1/10240
                """);
        assertArrayEquals(new long[] {0, 1024, 2048, 3072}, probe.pts());
        assertArrayEquals(new double[] {0, 0.1, 0.2, 0.3, 0.4}, probe.starts(), 1e-12);
        assertNull(probe.seekTo(0), "the first frame needs no seek");
        assertEquals("0.150000", probe.seekTo(2), "halfway between frames 1 and 2");
        assertArrayEquals(new int[] {64, 48}, probe.displaySize());
    }

    @Test
    void startsCountFromTheFirstFrameAndDiscardedPacketsAreLeftOut() throws Exception {
        ClipProbe probe = ClipProbe.parse("""
                stream|width=32|height=16|time_base=1/1000|side_data|rotation=-90
                packet|pts=900|dts=900|duration=100|flags=_D
                packet|pts=1000|dts=1000|duration=100|flags=K_
                packet|pts=N/A|dts=1100|duration=N/A|flags=__
                packet|pts=N/A|dts=N/A|duration=100|flags=__
                """);
        assertArrayEquals(new long[] {1000, 1100}, probe.pts(), "dts stands in for a missing pts");
        // The last frame's duration is missing: the average frame time stands in.
        assertArrayEquals(new double[] {0, 0.1, 0.2}, probe.starts(), 1e-12);
        assertArrayEquals(new int[] {16, 32}, probe.displaySize(), "a quarter turn either way swaps the sides");
        assertEquals("1.050000", probe.seekTo(1), "seek positions are in the stream's own time");
    }

    @Test
    void onePassWhenKeyframesAreSparserThanThePicks() throws Exception {
        StringBuilder out = new StringBuilder("stream|width=8|height=8|time_base=1/10\n");
        for (int i = 0; i < 100; i++) {
            out.append("packet|pts=").append(i).append("|duration=1|flags=").append(i % 10 == 0 ? "K_" : "__")
                    .append('\n');
        }
        ClipProbe everyTenth = ClipProbe.parse(out.toString());
        assertTrue(everyTenth.keyframe()[90] && !everyTenth.keyframe()[95]);
        // Frames 0, 25, 50, 75: seeks decode 1 + 6 + 1 + 6 frames (+ 4 runs) against 76 (+ 1 run) in one pass.
        assertFalse(everyTenth.cheaperInOnePass(new TreeSet<>(List.of(0, 25, 50, 75))));
        // Every other frame: 50 seeks cost more than decoding the 99 frames once.
        TreeSet<Integer> half = new TreeSet<>();
        for (int i = 0; i < 100; i += 2) {
            half.add(i);
        }
        assertTrue(everyTenth.cheaperInOnePass(half));
        ClipProbe oneKeyframe = ClipProbe.parse(out.toString().replace("flags=K_", "flags=__")
                .replaceFirst("flags=__", "flags=K_"));
        assertTrue(oneKeyframe.cheaperInOnePass(new TreeSet<>(List.of(0, 25, 50, 75))), "every seek decodes from 0");
    }

    @Test
    void whatIsMissingIsSaid() {
        assertEquals("The clip has no video stream.",
                assertThrows(MediaException.class, () -> ClipProbe.parse("")).getMessage());
        assertEquals("The clip's video stream declares no picture size.", assertThrows(MediaException.class,
                () -> ClipProbe.parse("stream|width=0|height=48|time_base=1/10\npacket|pts=0\n")).getMessage());
        assertEquals("The clip's video stream has no frames.", assertThrows(MediaException.class,
                () -> ClipProbe.parse("stream|width=8|height=8|time_base=1/10\n")).getMessage());
        assertEquals("The clip's video stream has no usable time base (0/0).", assertThrows(MediaException.class,
                () -> ClipProbe.parse("stream|width=8|height=8|time_base=0/0\npacket|pts=0\n")).getMessage());
    }
}
