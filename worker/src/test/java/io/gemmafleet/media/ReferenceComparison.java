package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

/** Compares our decoder and processor with one set of reference outputs (committed or freshly computed). */
final class ReferenceComparison {

    /**
     * Lossy WebP is the one decode that is not bit-exact: TwelveMonkeys' VP8 decoder is not libwebp (PIL's). On
     * the committed 36×22 noisy fixture the mean absolute difference measured 15.5 levels (max 81); this bound only
     * catches a decoder that has gone wrong altogether.
     */
    static final double LOSSY_WEBP_MEAN_ABS_BOUND = 20.0;
    static final double TOLERANCE = 1e-6;

    private ReferenceComparison() {}

    static boolean exactDecode(ReferenceCase c) {
        return !c.file().equals("lossy.webp");
    }

    /** The decoded RGB equals the reference (exactly, or within the lossy WebP bound). */
    static void checkDecode(ReferenceCase c, RgbImage image) throws IOException {
        assertEquals(c.width() + "x" + c.height(), image.width() + "x" + image.height(), c + ": decoded size");
        if (!exactDecode(c)) {
            byte[] ref = c.rawRgb();
            long sum = 0;
            for (int i = 0; i < ref.length; i++) {
                sum += Math.abs((ref[i] & 0xFF) - (image.rgb()[i] & 0xFF));
            }
            double mean = (double) sum / ref.length;
            assertTrue(mean < LOSSY_WEBP_MEAN_ABS_BOUND, c + ": mean abs difference " + mean);
        } else if (c.hasRawRgb()) {
            assertArrayEquals(c.rawRgb(), image.rgb(), c + ": decoded RGB");
        } else {
            assertEquals(c.rgbSha256(), ReferenceCase.sha256(image.rgb()), c + ": decoded RGB (SHA-256)");
        }
    }

    /** Pixel values of the base image and of every pan-and-scan crop equal the reference to within 1e-6. */
    static void checkProcessing(ReferenceCase c, RgbImage decoded) throws IOException {
        for (int size : c.sizes()) {
            GemmaImageProcessor processor = new GemmaImageProcessor(size);
            List<RgbImage> crops = c.crops() > 0 ? processor.panAndScanCrops(decoded, PanAndScan.DEFAULTS) : List.of();
            assertEquals(c.crops(), crops.size(), c + ": pan-and-scan crops");
            checkValues(c, "", size, processor.process(decoded).chw());
            for (int i = 0; i < crops.size(); i++) {
                checkValues(c, ".pas" + i, size, processor.process(crops.get(i)).chw());
            }
        }
    }

    private static void checkValues(ReferenceCase c, String label, int size, float[] got) throws IOException {
        float[] ref = c.pixelValues(label, size);
        if (ref == null) {
            assertEquals(c.pixelValuesSha256(label, size), ReferenceCase.sha256(got),
                    c + label + " at " + size + ": pixel values (SHA-256 of the float32 bytes)");
            return;
        }
        assertEquals(ref.length, got.length, c + label + " at " + size + ": length");
        for (int i = 0; i < ref.length; i++) {
            if (Math.abs(ref[i] - got[i]) > TOLERANCE) {
                throw new AssertionError(c + label + " at " + size + ": value " + i + " is " + got[i] + ", reference "
                        + ref[i]);
            }
        }
    }

    /** The reference's own decoded RGB, so processing is checked on exactly the input PIL resized. */
    static RgbImage referenceRgb(ReferenceCase c) throws IOException {
        return new RgbImage(c.width(), c.height(), c.rawRgb());
    }
}
