package io.gemmafleet.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;

/**
 * Decodes a short clip that Java reads without native code (animated GIF; animated WebP whose frames cover the
 * picture; any still image as a one-frame clip) and samples frames evenly over its duration ({@link FrameSampler}),
 * each frame as the picture shows at that time, with its start time in seconds.
 */
public final class VideoDecoder {

    /** Decoded pixels a clip may cost in all (every frame up to the last picked one is decoded to composite). */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 200_000_000L;

    private final ImageLimits perFrameLimits;
    private final long maxClipBytes;
    private final long maxDecodedPixels;

    public VideoDecoder(ImageLimits perFrameLimits, long maxClipBytes) {
        this(perFrameLimits, maxClipBytes, DEFAULT_MAX_DECODED_PIXELS);
    }

    public VideoDecoder(ImageLimits perFrameLimits, long maxClipBytes, long maxDecodedPixels) {
        if (maxClipBytes <= 0 || maxDecodedPixels <= 0) {
            throw new IllegalArgumentException("clip limits must be positive");
        }
        this.perFrameLimits = perFrameLimits;
        this.maxClipBytes = maxClipBytes;
        this.maxDecodedPixels = maxDecodedPixels;
    }

    /** Up to {@code frames} frames, in clip order. */
    public List<VideoFrame> sample(byte[] clip, String declaredMediaType, int frames) throws MediaException {
        if (frames < 1) {
            throw new IllegalArgumentException("frames must be at least 1: " + frames);
        }
        ImageFormat format = ImageDecoder.checkedFormat(clip, declaredMediaType, maxClipBytes);
        if (format == ImageFormat.GIF) {
            try (GifAnimation gif = new GifAnimation(clip, perFrameLimits)) {
                checkBudget(gif.totalFrameArea());
                double[] starts = gif.startTimes();
                SortedSet<Integer> picked = FrameSampler.pick(starts, frames);
                return withTimes(gif.composite(picked), picked, starts);
            }
        }
        if (format == ImageFormat.WEBP) {
            double[] starts = WebPAnimation.startTimes(clip);
            if (starts != null) {
                return webp(clip, starts, frames);
            }
        }
        RgbImage still = new ImageDecoder(new ImageLimits(maxClipBytes, perFrameLimits.maxPixels()))
                .decode(clip, declaredMediaType);
        return List.of(new VideoFrame(still, 0.0));
    }

    private List<VideoFrame> webp(byte[] clip, double[] starts, int frames) throws MediaException {
        SortedSet<Integer> picked = FrameSampler.pick(starts, frames);
        List<RgbImage> images = new ArrayList<>();
        try (ReaderSession session = new ReaderSession(ImageFormat.WEBP, clip)) {
            int[] size = session.checkedSize(0, perFrameLimits);
            checkBudget((long) size[0] * size[1] * picked.size());
            StructureCheck.check(ImageFormat.WEBP, clip);
            for (int index : picked) {
                images.add(RasterToRgb.convert(session.read(index)));
            }
        }
        return withTimes(images, picked, starts);
    }

    private void checkBudget(long pixels) throws MediaException {
        if (pixels > maxDecodedPixels) {
            throw new MediaException(String.format(Locale.ROOT,
                    "The clip would decode to %.1f megapixels in all; the limit is %.1f megapixels.", pixels / 1e6,
                    maxDecodedPixels / 1e6));
        }
    }

    private static List<VideoFrame> withTimes(List<RgbImage> images, SortedSet<Integer> picked, double[] starts) {
        List<VideoFrame> out = new ArrayList<>(images.size());
        int i = 0;
        for (int index : picked) {
            out.add(new VideoFrame(images.get(i++), starts[index]));
        }
        return out;
    }
}
