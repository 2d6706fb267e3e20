package io.gemmafleet.testmodel;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Test fixture: small encoded images for jobs — good ones (PNG, JPEG) and the bad kinds a client may send. */
public final class TestImages {

    private TestImages() {}

    /** A {@code width × height} image of random pixels (seeded), encoded as {@code format} ("png", "jpg"). */
    public static byte[] encoded(String format, int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        SplittableRandom random = new SplittableRandom(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] png(int width, int height, long seed) {
        return encoded("png", width, height, seed);
    }

    public static byte[] jpeg(int width, int height, long seed) {
        return encoded("jpg", width, height, seed);
    }

    /** The first half of the bytes: a download cut short. */
    public static byte[] truncated(byte[] encoded) {
        return Arrays.copyOf(encoded, encoded.length / 2);
    }

    /**
     * A decompression bomb's header: a structurally complete PNG (signature, IHDR, a few IDAT bytes, IEND) whose
     * header claims {@code width × height} pixels. A decoder that believed it would allocate gigabytes.
     */
    public static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static String dataUri(String mediaType, byte[] bytes) {
        return "data:" + mediaType + ";base64," + base64(bytes);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
