package io.gemmafleet.media;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;

/**
 * One ImageIO reader over an in-memory file: header sizes first, pixels only on request, every reader failure
 * (including the runtime exceptions some plugins throw on corrupt data) and every truncation warning turned into a
 * {@link MediaException}.
 */
final class ReaderSession implements AutoCloseable {

    private final ImageFormat format;
    private final ImageReader reader;
    private final List<String> warnings = new ArrayList<>();

    ReaderSession(ImageFormat format, byte[] data) throws MediaException {
        this.format = format;
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format + " on the class path");
        }
        reader = readers.next();
        // In memory: ImageIO.createImageInputStream could spill to a temporary file.
        reader.setInput(new ByteArrayImageInputStream(data), false, true);
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    }

    ImageFormat format() {
        return format;
    }

    /** Width and height of image {@code index} from its header, checked against the limits; no pixels decoded. */
    int[] checkedSize(int index, ImageLimits limits) throws MediaException {
        int width = call(() -> reader.getWidth(index));
        int height = call(() -> reader.getHeight(index));
        checkPixels(format, width, height, limits);
        return new int[] {width, height};
    }

    static void checkPixels(ImageFormat format, long width, long height, ImageLimits limits) throws MediaException {
        if (width <= 0 || height <= 0) {
            throw new MediaException("The " + format.displayName() + " image declares an empty size (" + width + "x"
                    + height + ").");
        }
        if (width * height > limits.maxPixels()) {
            throw new MediaException(String.format(Locale.ROOT,
                    "The image is %dx%d pixels (%.1f megapixels); the limit is %.1f megapixels.", width, height,
                    width * height / 1e6, limits.maxPixels() / 1e6));
        }
    }

    int numImages() throws MediaException {
        return call(() -> reader.getNumImages(true));
    }

    IIOMetadata streamMetadata() throws MediaException {
        return call(reader::getStreamMetadata);
    }

    IIOMetadata imageMetadata(int index) throws MediaException {
        return call(() -> reader.getImageMetadata(index));
    }

    /** Decodes image {@code index}; call {@link #checkedSize} first. */
    BufferedImage read(int index) throws MediaException {
        BufferedImage image = call(() -> reader.read(index));
        for (String warning : warnings) {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("premature end") || w.contains("truncat") || w.contains("end of file")) {
                throw new MediaException("The " + format.displayName() + " image is truncated or corrupt (" + warning
                        + "); send the complete file.");
            }
        }
        return image;
    }

    private interface ReaderCall<T> {
        T run() throws IOException;
    }

    private <T> T call(ReaderCall<T> action) throws MediaException {
        try {
            return action.run();
        } catch (IOException | RuntimeException e) {
            // RuntimeException: plugins throw IndexOutOfBounds/IllegalArgument/IllegalState on corrupt streams.
            throw new MediaException("The " + format.displayName() + " image could not be decoded (" + reason(e)
                    + ").");
        }
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }

    @Override
    public void close() {
        reader.dispose();
    }
}
