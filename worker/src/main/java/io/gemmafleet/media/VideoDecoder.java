package io.gemmafleet.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Decodes a short clip and samples frames evenly over its duration ({@link FrameSampler}), each frame as the
 * picture shows at that time, with its start time in seconds. The one place that decides how, by the container its
 * magic bytes name: MP4, MOV, WebM, MKV and AVI go to ffmpeg ({@link FfmpegClipDecoder}); animated GIF and animated
 * WebP whose frames cover the picture are read in Java; any still image is a one-frame clip.
 */
public final class VideoDecoder {

    /** Decoded pixels a clip may cost in all (every frame up to the last picked one is decoded to composite). */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 200_000_000L;

    private final ImageLimits perFrameLimits;
    private final long maxClipBytes;
    private final long maxDecodedPixels;
    private final FfmpegClipDecoder ffmpeg;

    /** With ffmpeg and ffprobe from the PATH, if they are there. */
    public VideoDecoder(ImageLimits perFrameLimits, long maxClipBytes) {
        this(perFrameLimits, maxClipBytes, DEFAULT_MAX_DECODED_PIXELS);
    }

    /** With ffmpeg and ffprobe from the PATH, if they are there. */
    public VideoDecoder(ImageLimits perFrameLimits, long maxClipBytes, long maxDecodedPixels) {
        this(perFrameLimits, maxClipBytes, maxDecodedPixels, FfmpegTools.onPath());
    }

    /** @param ffmpeg the executables for MP4, MOV, WebM, MKV and AVI clips (absent ones: such clips are refused) */
    public VideoDecoder(ImageLimits perFrameLimits, long maxClipBytes, long maxDecodedPixels, FfmpegTools ffmpeg) {
        if (maxClipBytes <= 0 || maxDecodedPixels <= 0) {
            throw new IllegalArgumentException("clip limits must be positive");
        }
        this.perFrameLimits = perFrameLimits;
        this.maxClipBytes = maxClipBytes;
        this.maxDecodedPixels = maxDecodedPixels;
        this.ffmpeg = new FfmpegClipDecoder(ffmpeg, perFrameLimits, maxDecodedPixels);
    }

    /** Up to {@code frames} frames, in clip order. */
    public List<VideoFrame> sample(byte[] clip, String declaredMediaType, int frames) throws MediaException {
        if (frames < 1) {
            throw new IllegalArgumentException("frames must be at least 1: " + frames);
        }
        Optional<VideoContainer> container = checkedContainer(clip, declaredMediaType);
        if (container.isPresent()) {
            return ffmpeg.sample(clip, container.get(), frames);
        }
        ImageFormat format = ImageDecoder.checkedFormat(clip, declaredMediaType, maxClipBytes);
        if (format == ImageFormat.GIF) {
            try (GifAnimation gif = new GifAnimation(clip, perFrameLimits)) {
                checkBudget(gif.totalFrameArea(), maxDecodedPixels);
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

    /**
     * The video container of {@code clip}, checked against the size limit and the declared type; empty when the
     * data is no video container and was not declared as one (an image, or an animated one, decoded in Java).
     */
    private Optional<VideoContainer> checkedContainer(byte[] clip, String declaredMediaType) throws MediaException {
        Optional<VideoContainer> found = VideoContainer.sniff(clip);
        if (found.isEmpty() && !VideoContainer.isVideoType(declaredMediaType)) {
            return Optional.empty();
        }
        if (clip.length > maxClipBytes) {
            throw new MediaException("The clip is " + ImageDecoder.size(clip.length) + "; the limit is "
                    + ImageDecoder.size(maxClipBytes) + ".");
        }
        if (found.isEmpty()) {
            String what = ImageFormat.sniff(clip).map(f -> "a " + f.displayName() + " image")
                    .orElse("not a video in a container this worker reads (" + VideoContainer.ACCEPTED + ")");
            throw new MediaException("The clip was declared as " + declaredMediaType.strip() + " but the data is "
                    + what + ".");
        }
        if (!namesNoType(declaredMediaType)) {
            Optional<VideoContainer> declared = VideoContainer.fromDeclared(declaredMediaType);
            if (declared.isEmpty() || !found.get().agreesWith(declared.get())) {
                throw new MediaException("The clip was declared as " + declaredMediaType.strip() + " but the data "
                        + "is in the " + found.get().displayName() + " container (" + found.get().mediaType() + ").");
            }
        }
        return found;
    }

    /** Absent, blank or {@code application/octet-stream}: the client did not say what the data is. */
    private static boolean namesNoType(String declaredMediaType) {
        if (declaredMediaType == null) {
            return true;
        }
        String type = declaredMediaType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.isEmpty() || type.equals("application/octet-stream");
    }

    private List<VideoFrame> webp(byte[] clip, double[] starts, int frames) throws MediaException {
        SortedSet<Integer> picked = FrameSampler.pick(starts, frames);
        List<RgbImage> images = new ArrayList<>();
        try (ReaderSession session = new ReaderSession(ImageFormat.WEBP, clip)) {
            int[] size = session.checkedSize(0, perFrameLimits);
            checkBudget((long) size[0] * size[1] * picked.size(), maxDecodedPixels);
            StructureCheck.check(ImageFormat.WEBP, clip);
            for (int index : picked) {
                images.add(RasterToRgb.convert(session.read(index)));
            }
        }
        return withTimes(images, picked, starts);
    }

    /** Refuses a clip that would decode to more than {@code maxDecodedPixels} pixels in all. */
    static void checkBudget(long pixels, long maxDecodedPixels) throws MediaException {
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
