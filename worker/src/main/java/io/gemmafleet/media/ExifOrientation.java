package io.gemmafleet.media;

/**
 * Reads the EXIF orientation tag (0x0112) of a JPEG, PNG or WebP file and turns the image upright the way
 * {@code PIL.ImageOps.exif_transpose} does (transformers' {@code load_image} calls it before anything else).
 */
final class ExifOrientation {

    private static final int TAG_ORIENTATION = 0x0112;

    private ExifOrientation() {}

    /** The orientation (1..8) recorded in the file, or 1 when there is none or it cannot be read. */
    static int read(ImageFormat format, byte[] data) {
        try {
            int tiff = switch (format) {
                case JPEG -> jpegExif(data);
                case PNG -> pngExif(data);
                case WEBP -> webpExif(data);
                case GIF, BMP -> -1;
            };
            int orientation = tiff < 0 ? 1 : tiffOrientation(data, tiff);
            return orientation >= 1 && orientation <= 8 ? orientation : 1;
        } catch (IndexOutOfBoundsException malformed) {
            return 1; // a broken EXIF block is ignored, as PIL ignores an unreadable one
        }
    }

    /** {@code image} turned upright for {@code orientation} (PIL's transpose methods for 2..8). */
    static RgbImage apply(RgbImage image, int orientation) {
        if (orientation == 1) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= 5;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] in = image.rgb();
        byte[] out = new byte[in.length];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                int x;
                int y;
                switch (orientation) {
                    case 2 -> { x = w - 1 - ox; y = oy; }            // FLIP_LEFT_RIGHT
                    case 3 -> { x = w - 1 - ox; y = h - 1 - oy; }    // ROTATE_180
                    case 4 -> { x = ox; y = h - 1 - oy; }            // FLIP_TOP_BOTTOM
                    case 5 -> { x = oy; y = ox; }                    // TRANSPOSE
                    case 6 -> { x = oy; y = h - 1 - ox; }            // ROTATE_270 (90° clockwise)
                    case 7 -> { x = w - 1 - oy; y = h - 1 - ox; }    // TRANSVERSE
                    default -> { x = w - 1 - oy; y = ox; }           // 8: ROTATE_90 (90° counter-clockwise)
                }
                System.arraycopy(in, (y * w + x) * 3, out, (oy * outW + ox) * 3, 3);
            }
        }
        return new RgbImage(outW, outH, out);
    }

    /** The TIFF header inside the first APP1 "Exif" segment (PIL keeps the first one), or -1. */
    private static int jpegExif(byte[] d) {
        int pos = 2;
        while (pos + 4 <= d.length && (d[pos] & 0xFF) == 0xFF) {
            int marker = d[pos + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                return -1;
            }
            int length = StructureCheck.u16be(d, pos + 2);
            if (marker == 0xE1 && length >= 8 && d[pos + 4] == 'E' && d[pos + 5] == 'x' && d[pos + 6] == 'i'
                    && d[pos + 7] == 'f' && d[pos + 8] == 0) {
                return pos + 10;
            }
            pos += 2 + length;
        }
        return -1;
    }

    /** The eXIf chunk's data, or -1. */
    private static int pngExif(byte[] d) {
        long pos = 8;
        while (pos + 8 <= d.length) {
            int p = (int) pos;
            if (d[p + 4] == 'e' && d[p + 5] == 'X' && d[p + 6] == 'I' && d[p + 7] == 'f') {
                return p + 8;
            }
            if (d[p + 4] == 'I' && d[p + 5] == 'D' && d[p + 6] == 'A' && d[p + 7] == 'T') {
                return -1; // eXIf must come before the image data
            }
            pos += 12 + StructureCheck.u32be(d, p);
        }
        return -1;
    }

    /** The EXIF chunk's data (with or without an "Exif\0\0" prefix), or -1. */
    private static int webpExif(byte[] d) {
        long pos = 12;
        while (pos + 8 <= d.length) {
            int p = (int) pos;
            long size = StructureCheck.u32le(d, p + 4);
            if (d[p] == 'E' && d[p + 1] == 'X' && d[p + 2] == 'I' && d[p + 3] == 'F') {
                boolean prefixed = d[p + 8] == 'E' && d[p + 9] == 'x' && d[p + 10] == 'i' && d[p + 11] == 'f';
                return p + 8 + (prefixed ? 6 : 0);
            }
            pos += 8 + size + (size & 1);
        }
        return -1;
    }

    /** Tag 0x0112 of IFD0 in the TIFF structure at {@code tiff}, or 1. */
    private static int tiffOrientation(byte[] d, int tiff) {
        boolean little = d[tiff] == 'I' && d[tiff + 1] == 'I';
        if (!little && !(d[tiff] == 'M' && d[tiff + 1] == 'M')) {
            return 1;
        }
        int ifd = tiff + (int) u32(d, tiff + 4, little);
        int entries = u16(d, ifd, little);
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + i * 12;
            if (u16(d, entry, little) == TAG_ORIENTATION) {
                int type = u16(d, entry + 2, little);
                return type == 3 ? u16(d, entry + 8, little) : (int) u32(d, entry + 8, little);
            }
        }
        return 1;
    }

    private static int u16(byte[] d, int i, boolean little) {
        return little ? StructureCheck.u16le(d, i) : StructureCheck.u16be(d, i);
    }

    private static long u32(byte[] d, int i, boolean little) {
        return little ? StructureCheck.u32le(d, i) : StructureCheck.u32be(d, i);
    }
}
