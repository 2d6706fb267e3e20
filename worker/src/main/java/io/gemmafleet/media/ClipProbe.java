package io.gemmafleet.media;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;

/**
 * What ffprobe says about a clip's first video stream, read from its compact output
 * ({@code -show_entries stream=width,height,time_base:stream_side_data=rotation:packet=pts,dts,duration,flags}):
 * the coded size, the display rotation, and every frame's presentation time in stream time-base units.
 *
 * @param width coded width in pixels
 * @param height coded height in pixels
 * @param rotation the display rotation in degrees (ffmpeg turns the frames upright when it decodes them)
 * @param timeBaseNum numerator of the seconds per time-base unit
 * @param timeBaseDen denominator of the seconds per time-base unit
 * @param pts every frame's presentation time, ascending (packets ffmpeg discards, such as those an edit list cuts,
 *     left out)
 * @param keyframe whether each frame (as {@code pts} orders them) is a keyframe, where a seek can start decoding
 * @param end when the last frame stops showing, in time-base units
 */
record ClipProbe(int width, int height, int rotation, long timeBaseNum, long timeBaseDen, long[] pts,
                 boolean[] keyframe, long end) {

    /** What starting one more ffmpeg run costs, counted in decoded frames (≈ 40 ms against ≈ 4 ms a 720p frame). */
    static final int RUN_COST_FRAMES = 10;

    /** @throws MediaException when the output shows no video stream, no size or no frame */
    static ClipProbe parse(String compact) throws MediaException {
        int width = 0;
        int height = 0;
        int rotation = 0;
        long[] timeBase = null;
        List<long[]> packets = new ArrayList<>(); // {pts, duration, keyframe 0/1}
        for (String line : compact.split("\n")) {
            String[] fields = line.strip().split("\\|");
            if (fields[0].equals("stream")) {
                width = (int) Math.min(Integer.MAX_VALUE, number(field(fields, "width"), 0));
                height = (int) Math.min(Integer.MAX_VALUE, number(field(fields, "height"), 0));
                rotation = (int) number(field(fields, "rotation"), 0);
                timeBase = rational(field(fields, "time_base"));
            } else if (fields[0].equals("packet") && !field(fields, "flags").contains("D")) {
                long pts = number(field(fields, "pts"), Long.MIN_VALUE);
                if (pts == Long.MIN_VALUE) {
                    pts = number(field(fields, "dts"), Long.MIN_VALUE); // AVI and raw streams carry only dts
                }
                if (pts != Long.MIN_VALUE) {
                    packets.add(new long[] {pts, Math.max(0, number(field(fields, "duration"), 0)),
                        field(fields, "flags").contains("K") ? 1 : 0});
                }
            }
        }
        if (timeBase == null) {
            throw new MediaException("The clip has no video stream.");
        }
        if (width <= 0 || height <= 0) {
            throw new MediaException("The clip's video stream declares no picture size.");
        }
        if (packets.isEmpty()) {
            throw new MediaException("The clip's video stream has no frames.");
        }
        packets.sort((a, b) -> Long.compare(a[0], b[0]));
        long[] pts = packets.stream().mapToLong(p -> p[0]).distinct().toArray();
        boolean[] keyframe = new boolean[pts.length];
        for (int i = 0, p = 0; p < packets.size(); p++) {
            i += packets.get(p)[0] == pts[i] ? 0 : 1;
            keyframe[i] |= packets.get(p)[2] == 1;
        }
        long last = packets.getLast()[0];
        long lastDuration = packets.getLast()[1];
        if (lastDuration == 0 && pts.length > 1) {
            lastDuration = (last - pts[0]) / (pts.length - 1); // the average frame time, for a container that omits it
        }
        return new ClipProbe(width, height, rotation, timeBase[0], timeBase[1], pts, keyframe, last + lastDuration);
    }

    /** The size of the frames ffmpeg writes: the coded size, turned upright. */
    int[] displaySize() {
        return Math.floorMod(rotation, 180) == 90 ? new int[] {height, width} : new int[] {width, height};
    }

    /** Each frame's start in seconds from the first frame, with the clip's end last (as {@link FrameSampler} takes). */
    double[] starts() {
        double[] starts = new double[pts.length + 1];
        for (int i = 0; i < pts.length; i++) {
            starts[i] = seconds(pts[i] - pts[0]);
        }
        starts[pts.length] = seconds(end - pts[0]);
        return starts;
    }

    /**
     * An {@code -ss} position (with {@code -seek_timestamp 1}, in the stream's own time) at which ffmpeg's accurate
     * seek yields frame {@code index}: halfway between it and the frame before, so rounding to microseconds cannot
     * land on either neighbour. Null for the first frame, which needs no seek.
     */
    String seekTo(int index) {
        if (index == 0) {
            return null;
        }
        BigInteger twiceUnits = BigInteger.valueOf(pts[index - 1]).add(BigInteger.valueOf(pts[index]));
        double seconds = twiceUnits.doubleValue() * timeBaseNum / (2.0 * timeBaseDen);
        return String.format(Locale.ROOT, "%.6f", seconds);
    }

    /**
     * Whether decoding the clip once up to the last picked frame costs less than one seek per picked frame, each
     * decoding from the keyframe before its frame (a clip with one keyframe: every seek decodes from the start).
     */
    boolean cheaperInOnePass(SortedSet<Integer> picked) {
        long seeking = 0;
        for (int index : picked) {
            int from = index;
            while (from > 0 && !keyframe[from]) {
                from--;
            }
            seeking += index - from + 1 + RUN_COST_FRAMES;
        }
        return picked.last() + 1 + RUN_COST_FRAMES <= seeking;
    }

    int frameCount() {
        return pts.length;
    }

    private double seconds(long units) {
        return (double) units * timeBaseNum / timeBaseDen;
    }

    private static String field(String[] fields, String key) {
        String prefix = key + "=";
        for (String f : fields) {
            if (f.startsWith(prefix)) {
                return f.substring(prefix.length());
            }
        }
        return "";
    }

    private static long number(String text, long absent) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return absent; // "N/A" or missing
        }
    }

    private static long[] rational(String text) throws MediaException {
        String[] parts = text.split("/");
        long num = parts.length == 2 ? number(parts[0], 0) : 0;
        long den = parts.length == 2 ? number(parts[1], 0) : 0;
        if (num <= 0 || den <= 0) {
            throw new MediaException("The clip's video stream has no usable time base (" + text + ").");
        }
        return new long[] {num, den};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClipProbe p && width == p.width && height == p.height && rotation == p.rotation
                && timeBaseNum == p.timeBaseNum && timeBaseDen == p.timeBaseDen && end == p.end
                && Arrays.equals(pts, p.pts) && Arrays.equals(keyframe, p.keyframe);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pts) * 31 + Long.hashCode(end);
    }

    @Override
    public String toString() {
        return "ClipProbe[" + width + "x" + height + ", rotation " + rotation + ", " + pts.length + " frames]";
    }
}
