package io.gemmafleet.media;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * A GIF's frames composited onto its logical screen in order (frame rectangles, transparency, disposal), with each
 * frame's start time. The first frame alone is what PIL shows for a GIF still; all frames are a short clip.
 */
final class GifAnimation implements AutoCloseable {

    private static final String IMAGE_FORMAT = "javax_imageio_gif_image_1.0";
    private static final String STREAM_FORMAT = "javax_imageio_gif_stream_1.0";
    /** Browsers show frames with a delay under 2 hundredths as 10 hundredths; so do we, so time moves. */
    private static final int MIN_DELAY_CS = 2;
    private static final int DEFAULT_DELAY_CS = 10;

    private final ReaderSession session;
    private final ImageLimits limits;
    private final int screenWidth;
    private final int screenHeight;
    private final int backgroundIndex;
    private final int frameCount;

    GifAnimation(byte[] data, ImageLimits limits) throws MediaException {
        this.limits = limits;
        this.session = new ReaderSession(ImageFormat.GIF, data);
        try {
            Node screen = child(root(session.streamMetadata(), STREAM_FORMAT), "LogicalScreenDescriptor");
            screenWidth = intAttribute(screen, "logicalScreenWidth", 0);
            screenHeight = intAttribute(screen, "logicalScreenHeight", 0);
            ReaderSession.checkPixels(ImageFormat.GIF, screenWidth, screenHeight, limits);
            StructureCheck.check(ImageFormat.GIF, data);
            Node global = child(root(session.streamMetadata(), STREAM_FORMAT), "GlobalColorTable");
            backgroundIndex = global == null ? 0 : intAttribute(global, "backgroundColorIndex", 0);
            frameCount = session.numImages();
            if (frameCount < 1) {
                throw new MediaException("The GIF image has no frames.");
            }
        } catch (MediaException e) {
            session.close();
            throw e;
        }
    }

    int frameCount() {
        return frameCount;
    }

    /** The area of every frame's rectangle, summed: the pixels a full decode would produce. */
    long totalFrameArea() throws MediaException {
        long total = 0;
        for (int i = 0; i < frameCount; i++) {
            Frame f = frame(i);
            total += (long) f.width * f.height;
        }
        return total;
    }

    /** Start time of each frame in seconds, and the clip's duration as the last entry. */
    double[] startTimes() throws MediaException {
        double[] starts = new double[frameCount + 1];
        for (int i = 0; i < frameCount; i++) {
            int delay = frame(i).delayCs;
            starts[i + 1] = starts[i] + (delay < MIN_DELAY_CS ? DEFAULT_DELAY_CS : delay) / 100.0;
        }
        return starts;
    }

    /** Frame 0 as PIL opens it: outside its rectangle the transparent (or 0th) palette entry, inside every pixel. */
    RgbImage firstFrame() throws MediaException {
        return composite(new java.util.TreeSet<>(List.of(0))).getFirst();
    }

    /** The screen as it looks while each wanted frame shows, in frame order. */
    List<RgbImage> composite(SortedSet<Integer> wanted) throws MediaException {
        List<RgbImage> out = new ArrayList<>();
        byte[] canvas = new byte[screenWidth * screenHeight * 3];
        byte[] previous = null;
        Frame last = null;
        for (int i = 0; i <= wanted.last(); i++) {
            Frame f = frame(i);
            BufferedImage image = session.read(i);
            IndexColorModel palette = (IndexColorModel) image.getColorModel();
            if (i == 0) {
                int fill = f.transparentIndex >= 0 ? f.transparentIndex : 0;
                fillRect(canvas, 0, 0, screenWidth, screenHeight, palette, fill);
            } else if (last.disposal == 2) {
                fillRect(canvas, last.left, last.top, last.width, last.height, palette, backgroundIndex);
            } else if (last.disposal == 3 && previous != null) {
                System.arraycopy(previous, 0, canvas, 0, canvas.length);
            }
            previous = f.disposal == 3 ? canvas.clone() : null;
            draw(canvas, image.getRaster(), palette, f, i == 0 ? -1 : f.transparentIndex);
            if (wanted.contains(i)) {
                out.add(new RgbImage(screenWidth, screenHeight, canvas.clone()));
            }
            last = f;
        }
        return out;
    }

    private void draw(byte[] canvas, Raster raster, IndexColorModel palette, Frame f, int transparent) {
        int[] row = new int[raster.getWidth()];
        for (int y = 0; y < raster.getHeight(); y++) {
            int cy = f.top + y;
            if (cy >= screenHeight) {
                break;
            }
            raster.getPixels(0, y, raster.getWidth(), 1, row);
            for (int x = 0; x < row.length && f.left + x < screenWidth; x++) {
                int index = row[x];
                if (index != transparent) {
                    int o = (cy * screenWidth + f.left + x) * 3;
                    canvas[o] = (byte) palette.getRed(index);
                    canvas[o + 1] = (byte) palette.getGreen(index);
                    canvas[o + 2] = (byte) palette.getBlue(index);
                }
            }
        }
    }

    private void fillRect(byte[] canvas, int left, int top, int width, int height, IndexColorModel palette,
            int index) {
        int i = index < palette.getMapSize() ? index : 0;
        for (int y = top; y < Math.min(top + height, screenHeight); y++) {
            for (int x = left; x < Math.min(left + width, screenWidth); x++) {
                int o = (y * screenWidth + x) * 3;
                canvas[o] = (byte) palette.getRed(i);
                canvas[o + 1] = (byte) palette.getGreen(i);
                canvas[o + 2] = (byte) palette.getBlue(i);
            }
        }
    }

    private record Frame(int left, int top, int width, int height, int delayCs, int disposal, int transparentIndex) {}

    /** Frame {@code i}'s placement and timing from its metadata (no pixels decoded), its size within the limits. */
    private Frame frame(int i) throws MediaException {
        Node root = root(session.imageMetadata(i), IMAGE_FORMAT);
        Node descriptor = child(root, "ImageDescriptor");
        Frame f;
        Node control = child(root, "GraphicControlExtension");
        int delay = control == null ? 0 : intAttribute(control, "delayTime", 0);
        int disposal = control == null ? 0 : switch (attribute(control, "disposalMethod")) {
            case "restoreToBackgroundColor" -> 2;
            case "restoreToPrevious" -> 3;
            default -> 1;
        };
        int transparent = control != null && "TRUE".equalsIgnoreCase(attribute(control, "transparentColorFlag"))
                ? intAttribute(control, "transparentColorIndex", -1) : -1;
        f = new Frame(intAttribute(descriptor, "imageLeftPosition", 0), intAttribute(descriptor, "imageTopPosition", 0),
                intAttribute(descriptor, "imageWidth", 0), intAttribute(descriptor, "imageHeight", 0), delay, disposal,
                transparent);
        ReaderSession.checkPixels(ImageFormat.GIF, f.width, f.height, limits);
        return f;
    }

    private static Node root(IIOMetadata metadata, String format) throws MediaException {
        if (metadata == null) {
            throw new MediaException("The GIF image has no readable header.");
        }
        return metadata.getAsTree(format);
    }

    private static Node child(Node parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals(name)) {
                return n;
            }
        }
        return null;
    }

    private static String attribute(Node node, String name) {
        NamedNodeMap attributes = node.getAttributes();
        Node a = attributes == null ? null : attributes.getNamedItem(name);
        return a == null ? "" : a.getNodeValue();
    }

    private static int intAttribute(Node node, String name, int fallback) {
        try {
            return Integer.parseInt(attribute(node, name));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
