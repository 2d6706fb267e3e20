package io.gemmafleet.media;

/**
 * Walks an encoded image's container (segments, chunks, blocks) without decoding pixels, to reject a truncated file
 * before ImageIO quietly decodes it with grey or black rows, and to reject JPEG colour models we cannot convert.
 */
final class StructureCheck {

    private StructureCheck() {}

    static void check(ImageFormat format, byte[] data) throws MediaException {
        switch (format) {
            case JPEG -> jpeg(data);
            case PNG -> png(data);
            case GIF -> gif(data);
            case BMP -> bmp(data);
            case WEBP -> webp(data);
        }
    }

    private static MediaException truncated(ImageFormat format, String detail) {
        return new MediaException("The " + format.displayName() + " image is truncated or corrupt (" + detail
                + "); send the complete file.");
    }

    /** Segments up to EOI; entropy-coded data after each SOS runs to the next real marker. */
    private static void jpeg(byte[] d) throws MediaException {
        int pos = 2;
        while (pos + 1 < d.length) {
            if ((d[pos] & 0xFF) != 0xFF) {
                throw truncated(ImageFormat.JPEG, "no marker at byte " + pos);
            }
            int marker = d[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0xD9) {
                return;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos += 2;
                continue;
            }
            if (pos + 4 > d.length) {
                break;
            }
            int length = u16be(d, pos + 2);
            int end = pos + 2 + length;
            if (length < 2 || end > d.length) {
                break;
            }
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                    && marker != 0xCC;
            if (startOfFrame && length >= 8) {
                int components = d[pos + 9] & 0xFF;
                if (components != 1 && components != 3) {
                    throw new MediaException("JPEG images with " + components + " colour components (CMYK/YCCK) are "
                            + "not supported; send an RGB or greyscale JPEG, or a PNG.");
                }
            }
            pos = end;
            if (marker == 0xDA) {
                while (pos + 1 < d.length) {
                    int next = d[pos + 1] & 0xFF;
                    if ((d[pos] & 0xFF) == 0xFF && next != 0 && (next < 0xD0 || next > 0xD7)) {
                        break;
                    }
                    pos++;
                }
            }
        }
        throw truncated(ImageFormat.JPEG, "it ends before the end-of-image marker");
    }

    /** Chunks up to IEND, each within the file. */
    private static void png(byte[] d) throws MediaException {
        long pos = 8;
        while (pos + 8 <= d.length) {
            long length = u32be(d, (int) pos);
            long end = pos + 12 + length;
            if (end > d.length) {
                throw truncated(ImageFormat.PNG, "a chunk runs past the end of the file");
            }
            if (d[(int) pos + 4] == 'I' && d[(int) pos + 5] == 'E' && d[(int) pos + 6] == 'N'
                    && d[(int) pos + 7] == 'D') {
                return;
            }
            pos = end;
        }
        throw truncated(ImageFormat.PNG, "it ends before the IEND chunk");
    }

    /** Blocks up to the trailer; a file that ends cleanly between blocks after a whole image is accepted too. */
    private static void gif(byte[] d) throws MediaException {
        if (d.length < 13) {
            throw truncated(ImageFormat.GIF, "no logical screen descriptor");
        }
        int pos = 13 + colourTableBytes(d[10]);
        int images = 0;
        while (pos < d.length) {
            int block = d[pos] & 0xFF;
            if (block == 0x3B) {
                return;
            } else if (block == 0x21) {
                pos = skipSubBlocks(d, pos + 2);
            } else if (block == 0x2C) {
                if (pos + 10 > d.length) {
                    break;
                }
                pos = skipSubBlocks(d, pos + 10 + colourTableBytes(d[pos + 9]) + 1);
                if (pos > 0) {
                    images++;
                }
            } else {
                throw truncated(ImageFormat.GIF, "unknown block 0x" + Integer.toHexString(block));
            }
            if (pos < 0) {
                break;
            }
        }
        if (pos != d.length || images == 0) {
            throw truncated(ImageFormat.GIF, images == 0 ? "no complete image" : "a block runs past the end");
        }
    }

    private static int colourTableBytes(byte flags) {
        return (flags & 0x80) != 0 ? 3 << ((flags & 0x07) + 1) : 0;
    }

    /** The position after a run of sub-blocks and its zero terminator, or -1 if the file ends inside it. */
    private static int skipSubBlocks(byte[] d, int pos) {
        while (pos < d.length) {
            int size = d[pos] & 0xFF;
            if (size == 0) {
                return pos + 1;
            }
            pos += size + 1;
        }
        return -1;
    }

    /**
     * A BMP's declared width and height, read here because the JDK's BMP reader checks the pixel data's length
     * while reading its header, so a bomb would be reported as corrupt instead of too large.
     */
    static long[] bmpSize(byte[] d) throws MediaException {
        if (d.length < 26) {
            throw truncated(ImageFormat.BMP, "the header is cut short");
        }
        if (u32le(d, 14) == 12) {
            return new long[] {u16le(d, 18), u16le(d, 20)};
        }
        if (d.length < 34) {
            throw truncated(ImageFormat.BMP, "the header is cut short");
        }
        return new long[] {(int) u32le(d, 18), Math.abs((long) (int) u32le(d, 22))};
    }

    /** Uncompressed pixel arrays must be all there (RLE ones are left to the reader's own end-of-data errors). */
    private static void bmp(byte[] d) throws MediaException {
        long[] size = bmpSize(d);
        long dataOffset = u32le(d, 10);
        boolean os2 = u32le(d, 14) == 12;
        int bitsPerPixel = u16le(d, os2 ? 24 : 28);
        int compression = os2 ? 0 : (int) u32le(d, 30);
        if (compression == 0 || compression == 3 || compression == 6) {
            long stride = ((size[0] * bitsPerPixel + 31) / 32) * 4;
            if (size[0] > 0 && dataOffset + stride * size[1] > d.length) {
                throw truncated(ImageFormat.BMP, "the pixel data needs " + (dataOffset + stride * size[1])
                        + " bytes, the file has " + d.length);
            }
        }
    }

    /** The RIFF size must fit the file, and so must every chunk. */
    private static void webp(byte[] d) throws MediaException {
        long riffEnd = 8 + u32le(d, 4);
        if (d.length < 20 || riffEnd > d.length) {
            throw truncated(ImageFormat.WEBP, "the RIFF container says " + riffEnd + " bytes, the file has "
                    + d.length);
        }
        long pos = 12;
        while (pos + 8 <= riffEnd) {
            long end = pos + 8 + u32le(d, (int) pos + 4);
            if (end > riffEnd) {
                throw truncated(ImageFormat.WEBP, "a chunk runs past the end of the file");
            }
            pos = end + (end & 1);
        }
    }

    static int u16be(byte[] d, int i) {
        return (d[i] & 0xFF) << 8 | (d[i + 1] & 0xFF);
    }

    static long u32be(byte[] d, int i) {
        return (long) u16be(d, i) << 16 | u16be(d, i + 2);
    }

    static int u16le(byte[] d, int i) {
        return (d[i] & 0xFF) | (d[i + 1] & 0xFF) << 8;
    }

    static long u32le(byte[] d, int i) {
        return u16le(d, i) | (long) u16le(d, i + 2) << 16;
    }
}
