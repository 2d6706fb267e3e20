package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pan-and-scan's crop arithmetic, the prompt text and EXIF orientations the reference images do not cover. */
class GemmaImageProcessorTest {

    private final GemmaImageProcessor processor = new GemmaImageProcessor(32);

    private static RgbImage blank(int w, int h) {
        return new RgbImage(w, h, new byte[w * h * 3]);
    }

    private List<String> crops(int w, int h, PanAndScan s) {
        return processor.panAndScanCrops(blank(w, h), s).stream().map(c -> c.width() + "x" + c.height()).toList();
    }

    @Test
    void panAndScanFollowsGemma3ImageProcessor() {
        PanAndScan d = PanAndScan.DEFAULTS;
        assertEquals(List.of(), crops(1000, 1000, d), "square");
        assertEquals(List.of(), crops(1190, 1000, d), "ratio 1.19 is below 1.2");
        assertEquals(List.of("600x1000", "600x1000"), crops(1200, 1000, d), "ratio 1.2 activates, at least 2 crops");
        assertEquals(List.of(), crops(600, 200, d), "crops of 300x200 would be under 256");
        assertEquals(List.of("1000x500", "1000x500", "1000x500", "1000x500"), crops(4000, 500, d), "at most 4");
        assertEquals(List.of("334x333", "334x333", "333x333"), crops(1001, 333, d), "the last crop is clipped");
        assertEquals(List.of("300x350", "300x350"), crops(300, 700, d), "portrait");
        assertEquals(List.of("84x100", "84x100", "82x100"), crops(250, 100, new PanAndScan(32, 8, 1.2)),
                "ratio 2.5 rounds half up to 3 crops");
        assertEquals(List.of("75x100", "75x100"), crops(150, 100, new PanAndScan(32, 8, 1.2)), "ratio 1.5: 2");
    }

    @Test
    void panAndScanPromptIsTheProcessorsText() {
        assertEquals("<start_of_image>", GemmaImageProcessor.panAndScanPrompt(0));
        assertEquals("Here is the original image <start_of_image> and here are some crops to help you see better "
                + "<start_of_image> <start_of_image>", GemmaImageProcessor.panAndScanPrompt(2));
    }

    @Test
    void normalisedValuesSpanMinusOneToOne() {
        RgbImage image = new RgbImage(1, 1, new byte[] {0, (byte) 255, (byte) 128});
        float[] chw = new GemmaImageProcessor(2).process(image).chw();
        assertArrayEquals(new float[] {-1, -1, -1, -1, 1, 1, 1, 1, 0.003921628f, 0.003921628f, 0.003921628f,
            0.003921628f}, chw, 1e-7f);
    }

    @Test
    void everyExifOrientation() {
        // 3x2 image, pixel value = its index: 0 1 2 / 3 4 5
        byte[] rgb = new byte[18];
        for (int i = 0; i < 6; i++) {
            rgb[i * 3] = (byte) i;
        }
        RgbImage image = new RgbImage(3, 2, rgb);
        assertEquals("3x2 0 1 2 3 4 5", layout(ExifOrientation.apply(image, 1)));
        assertEquals("3x2 2 1 0 5 4 3", layout(ExifOrientation.apply(image, 2)), "mirror");
        assertEquals("3x2 5 4 3 2 1 0", layout(ExifOrientation.apply(image, 3)), "rotate 180");
        assertEquals("3x2 3 4 5 0 1 2", layout(ExifOrientation.apply(image, 4)), "flip");
        assertEquals("2x3 0 3 1 4 2 5", layout(ExifOrientation.apply(image, 5)), "transpose");
        assertEquals("2x3 3 0 4 1 5 2", layout(ExifOrientation.apply(image, 6)), "rotate 90 clockwise");
        assertEquals("2x3 5 2 4 1 3 0", layout(ExifOrientation.apply(image, 7)), "transverse");
        assertEquals("2x3 2 5 1 4 0 3", layout(ExifOrientation.apply(image, 8)), "rotate 90 counter-clockwise");
    }

    private static String layout(RgbImage image) {
        StringBuilder sb = new StringBuilder(image.width() + "x" + image.height());
        for (int i = 0; i < image.width() * image.height(); i++) {
            sb.append(' ').append(image.rgb()[i * 3]);
        }
        return sb.toString();
    }
}
