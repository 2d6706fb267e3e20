package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.testmodel.TestImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every rejection is a MediaException with a message a client understands, quickly and without running out of memory. */
class BadImageTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS);

    private String rejection(byte[] data, String declared) {
        return rejection(decoder, data, declared);
    }

    private static String rejection(ImageDecoder decoder, byte[] data, String declared) {
        MediaException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(MediaException.class, () -> decoder.decode(data, declared)));
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "\"" + message + "\" should mention \"" + part + "\"");
        }
    }

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(ReferenceCase.IMAGES.resolve(name));
    }

    @Test
    void emptyAndMissingBytes() {
        assertMentions(rejection(new byte[0], "image/png"), "empty");
        assertMentions(rejection(null, null), "empty");
    }

    @Test
    void tooManyBytes() throws IOException {
        ImageDecoder small = new ImageDecoder(new ImageLimits(1000, 1_000_000));
        assertMentions(rejection(small, fixture("rgb_baseline.jpg"), "image/jpeg"), "1.3 KiB", "limit is 1000 bytes");
    }

    @Test
    void pngHeaderClaimingTenGigapixels() {
        assertMentions(rejection(TestImages.pngClaiming(100_000, 100_000), null), "100000x100000", "10000.0 megapixels",
                "limit is 50.0 megapixels");
    }

    @Test
    void gifScreenClaimingFourGigapixels() {
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0,
            0x2C, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 2, 2, 0x4C, 0x01, 0, 0x3B};
        assertMentions(rejection(gif, "image/gif"), "65535x65535", "limit is 50.0 megapixels");
    }

    @Test
    void bmpHeaderClaimingTenGigapixels() {
        ByteBuffer b = ByteBuffer.allocate(54 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(70).putInt(0).putInt(54);
        b.putInt(40).putInt(100_000).putInt(100_000).putShort((short) 1).putShort((short) 24).putInt(0)
                .putInt(0).putInt(2835).putInt(2835).putInt(0).putInt(0);
        assertMentions(rejection(b.array(), "image/bmp"), "100000x100000", "limit is 50.0 megapixels");
    }

    @Test
    void jpegHeaderClaimingThreeGigapixels() throws IOException {
        byte[] jpeg = fixture("rgb_baseline.jpg");
        int sof = indexOf(jpeg, (byte) 0xFF, (byte) 0xC0);
        jpeg[sof + 5] = (byte) 0xEA; // height 60000
        jpeg[sof + 6] = 0x60;
        jpeg[sof + 7] = (byte) 0xEA; // width 60000
        jpeg[sof + 8] = 0x60;
        assertMentions(rejection(jpeg, "image/jpeg"), "60000x60000", "limit is 50.0 megapixels");
    }

    @Test
    void pixelLimitIsConfiguration() throws IOException {
        ImageDecoder tiny = new ImageDecoder(new ImageLimits(1 << 20, 1000));
        assertMentions(rejection(tiny, fixture("rgb_nonsquare.png"), null), "40x27", "limit is 0.0 megapixels");
    }

    @Test
    void truncatedFiles() throws IOException {
        for (String name : new String[] {"rgb_nonsquare.png", "rgb_baseline.jpg", "progressive.jpg", "anim.gif",
            "rgb24.bmp", "lossless.webp", "lossy.webp"}) {
            byte[] whole = fixture(name);
            String message = rejection(Arrays.copyOf(whole, whole.length * 2 / 3), null);
            assertMentions(message, "truncated");
        }
        byte[] jpeg = fixture("rgb_baseline.jpg");
        assertMentions(rejection(Arrays.copyOf(jpeg, jpeg.length - 2), "image/jpeg"), "JPEG", "truncated",
                "end-of-image");
        byte[] png = fixture("rgb_nonsquare.png");
        assertMentions(rejection(Arrays.copyOf(png, png.length - 12), "image/png"), "PNG", "IEND");
    }

    @Test
    void declaredTypeThatLies() throws IOException {
        assertMentions(rejection(fixture("rgb_baseline.jpg"), "image/png"),
                "declared as image/png", "JPEG image (image/jpeg)");
        assertMentions(rejection(fixture("rgb_nonsquare.png"), "image/webp; charset=binary"),
                "declared as image/webp", "PNG image (image/png)");
        assertMentions(rejection(fixture("rgb_nonsquare.png"), "text/plain"), "Unsupported media type \"text/plain\"");
    }

    @Test
    void bytesThatAreNoImage() {
        byte[] text = "{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8);
        assertMentions(rejection(text, null), "not an image in a supported format");
        assertMentions(rejection(text, "image/png"), "not an image", "declared as image/png");
    }

    @Test
    void unsupportedFormats() {
        byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0};
        assertMentions(rejection(tiff, null), "Unsupported image format: TIFF", "JPEG, PNG, WebP, GIF or BMP");
        byte[] svg = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8);
        assertMentions(rejection(svg, "image/svg+xml"), "Unsupported media type \"image/svg+xml\"");
        assertMentions(rejection(svg, null), "Unsupported image format: SVG");
    }

    @Test
    void cmykJpeg() throws IOException {
        assertMentions(rejection(fixture("cmyk.jpg"), "image/jpeg"), "CMYK");
    }

    @Test
    void corruptPixelData() {
        byte[] png = TestImages.pngClaiming(8, 8); // complete chunks, but the IDAT holds no zlib stream
        assertMentions(rejection(png, "image/png"), "PNG image could not be decoded");
    }

    private static int indexOf(byte[] data, byte a, byte b) {
        for (int i = 0; i + 1 < data.length; i++) {
            if (data[i] == a && data[i + 1] == b) {
                return i;
            }
        }
        throw new AssertionError("marker not found");
    }
}
