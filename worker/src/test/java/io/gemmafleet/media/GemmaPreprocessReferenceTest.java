package io.gemmafleet.media;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Our decoding and Gemma 3 pre-processing against transformers' steps run by PIL 9.4 + numpy 1.24 (Debian's
 * python3-pil / python3-numpy): the outputs under {@code src/test/resources/media/reference/} were written by
 * {@code /usr/bin/python3 worker/reference/gemma3_preprocess.py reference worker/src/test/resources/media
 * worker/src/test/resources/media/reference} from the committed test images.
 *
 * <p>Decoding is checked bit for bit for every format (including baseline, progressive, greyscale and EXIF-rotated
 * JPEGs: the JDK's libjpeg and PIL's libjpeg-turbo agree on these files) except lossy WebP, which is only bounded
 * (see {@link ReferenceComparison#LOSSY_WEBP_MEAN_ABS_BOUND}). Processing (BILINEAR resize, rescale, normalise,
 * pan-and-scan) is checked to within 1e-6 at image size 32 and by SHA-256 of the float32 values at 896, on our
 * decode where it is exact and on the reference's own decoded RGB for lossy WebP.
 */
class GemmaPreprocessReferenceTest {

    @TestFactory
    List<DynamicTest> matchesCommittedReference() throws IOException {
        ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS);
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCase c : ReferenceCase.load(ReferenceCase.COMMITTED)) {
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                RgbImage decoded = decoder.decode(c.encoded(), null);
                ReferenceComparison.checkDecode(c, decoded);
                ReferenceComparison.checkProcessing(c,
                        ReferenceComparison.exactDecode(c) ? decoded : ReferenceComparison.referenceRgb(c));
            }));
        }
        return tests;
    }
}
