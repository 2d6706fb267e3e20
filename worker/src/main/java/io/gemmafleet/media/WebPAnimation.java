package io.gemmafleet.media;

import java.util.ArrayList;
import java.util.List;

/**
 * The frame layout of an animated WebP (its ANMF chunks: placement and duration), which TwelveMonkeys' reader
 * decodes frame by frame but does not report. Only clips whose every frame covers the whole canvas are taken:
 * compositing partial frames (blending, disposal) is not done here.
 */
final class WebPAnimation {

    /** Frame start times in seconds with the clip's end last, or null when the file is not animated. */
    static double[] startTimes(byte[] d) throws MediaException {
        long pos = 12;
        int canvasWidth = -1;
        int canvasHeight = -1;
        List<Integer> durations = new ArrayList<>();
        while (pos + 8 <= d.length) {
            int p = (int) pos;
            long size = StructureCheck.u32le(d, p + 4);
            String fourCc = new String(d, p, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (fourCc.equals("VP8X") && size >= 10) {
                canvasWidth = u24(d, p + 12) + 1;
                canvasHeight = u24(d, p + 15) + 1;
            } else if (fourCc.equals("ANMF") && size >= 16) {
                int x = u24(d, p + 8) * 2;
                int y = u24(d, p + 11) * 2;
                int w = u24(d, p + 14) + 1;
                int h = u24(d, p + 17) + 1;
                if (x != 0 || y != 0 || w != canvasWidth || h != canvasHeight) {
                    throw new MediaException("Animated WebP clips whose frames do not cover the whole picture are not "
                            + "supported; send an animated GIF or the frames as separate images.");
                }
                durations.add(u24(d, p + 20));
            }
            pos += 8 + size + (size & 1);
        }
        if (durations.size() < 2) {
            return null;
        }
        double[] starts = new double[durations.size() + 1];
        for (int i = 0; i < durations.size(); i++) {
            starts[i + 1] = starts[i] + Math.max(durations.get(i), 1) / 1000.0;
        }
        return starts;
    }

    private static int u24(byte[] d, int i) {
        return (d[i] & 0xFF) | (d[i + 1] & 0xFF) << 8 | (d[i + 2] & 0xFF) << 16;
    }

    private WebPAnimation() {}
}
