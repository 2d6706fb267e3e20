package io.gemmafleet.worker.vision;

import io.gemmafleet.media.FfmpegTools;
import io.gemmafleet.media.GemmaImageProcessor;
import io.gemmafleet.media.ImageDecoder;
import io.gemmafleet.media.MediaException;
import io.gemmafleet.media.PanAndScan;
import io.gemmafleet.media.PixelValues;
import io.gemmafleet.media.RgbImage;
import io.gemmafleet.media.VideoDecoder;
import io.gemmafleet.media.VideoFrame;
import io.gemmafleet.model.chat.ChatMessage;
import io.gemmafleet.model.chat.ContentPart;
import io.gemmafleet.schemas.InlineMedia;
import io.gemmafleet.schemas.Message;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Reads a job's images and videos into what the vision tower takes, and its messages into chat messages that mark
 * where each picture goes. A video becomes its sampled frames, in order, each an image after a label with its time
 * ("Frame 2 at 0:01.5:"). With pan-and-scan on, an image that qualifies also yields its crops, and its place in the
 * prompt takes the processor's sentence for them.
 *
 * <p>Every problem with the client's media is a {@link MediaException} whose message can go back to the client.
 * Workers never fetch URLs: the gateway inlines the ones its allow-list permits.
 */
public final class MediaReader {

    /**
     * @param videoFrames frames sampled from a clip that names no {@code max_frames}
     * @param panAndScanByDefault whether images get pan-and-scan crops when the job does not say
     * @param ffmpeg the executables that decode MP4, MOV, WebM, MKV and AVI clips
     */
    public record Settings(io.gemmafleet.media.ImageLimits limits, long maxClipBytes, int videoFrames,
                           boolean panAndScanByDefault, PanAndScan panAndScan, FfmpegTools ffmpeg) {

        /** With ffmpeg and ffprobe from the PATH, if they are there. */
        public Settings(io.gemmafleet.media.ImageLimits limits, long maxClipBytes, int videoFrames,
                        boolean panAndScanByDefault, PanAndScan panAndScan) {
            this(limits, maxClipBytes, videoFrames, panAndScanByDefault, panAndScan, FfmpegTools.onPath());
        }

        public static Settings defaults() {
            return new Settings(io.gemmafleet.media.ImageLimits.DEFAULTS, 64L << 20, 8, false, PanAndScan.DEFAULTS);
        }
    }

    /**
     * One picture's place in the prompt: the image and, with pan-and-scan, its crops (each one more image).
     * {@link #promptText()} is what stands where the chat template wrote {@code <start_of_image>}.
     */
    public record Picture(List<PreparedImage> images, String promptText) {}

    /** The chat messages (one image part per picture) and the pictures in prompt order. */
    public record Read(List<ChatMessage> chat, List<Picture> pictures) {
        public int imageCount() {
            return pictures.stream().mapToInt(p -> p.images().size()).sum();
        }
    }

    private final Settings settings;
    private final ImageDecoder images;
    private final VideoDecoder videos;
    private final GemmaImageProcessor processor;

    public MediaReader(Settings settings, int imageSize) {
        this.settings = settings;
        this.images = new ImageDecoder(settings.limits());
        this.videos = new VideoDecoder(settings.limits(), settings.maxClipBytes(),
                VideoDecoder.DEFAULT_MAX_DECODED_PIXELS, settings.ffmpeg());
        this.processor = new GemmaImageProcessor(imageSize);
    }

    /** @param panAndScan the job's choice, or null for the worker's default */
    public Read read(List<Message> messages, Boolean panAndScan) throws MediaException {
        boolean crops = panAndScan != null ? panAndScan : settings.panAndScanByDefault();
        List<ChatMessage> chat = new ArrayList<>(messages.size());
        List<Picture> pictures = new ArrayList<>();
        for (int m = 0; m < messages.size(); m++) {
            Message message = messages.get(m);
            List<ContentPart> parts = new ArrayList<>();
            for (int p = 0; p < message.content().size(); p++) {
                String where = "$.messages[" + m + "].content[" + p + "]";
                switch (message.content().get(p)) {
                    case io.gemmafleet.schemas.ContentPart.Text t -> parts.add(new ContentPart.Text(t.text()));
                    case io.gemmafleet.schemas.ContentPart.Image i -> {
                        RgbImage image = decode(where, i.url(), i.data(), i.mediaType());
                        pictures.add(picture(image, crops));
                        parts.add(new ContentPart.Image());
                    }
                    case io.gemmafleet.schemas.ContentPart.Video v -> {
                        List<VideoFrame> frames = frames(where, v);
                        for (int f = 0; f < frames.size(); f++) {
                            parts.add(new ContentPart.Text(frameLabel(f + 1, frames.get(f).timestampSeconds())));
                            pictures.add(new Picture(List.of(prepare(frames.get(f).image())),
                                    io.gemmafleet.worker.vision.ImagePrompt.START_OF_IMAGE));
                            parts.add(new ContentPart.Image());
                        }
                    }
                }
            }
            chat.add(new ChatMessage(message.role(), parts));
        }
        return new Read(chat, pictures);
    }

    /** How a frame is introduced in the prompt: its number and its time as minutes:seconds. */
    static String frameLabel(int number, double seconds) {
        int minutes = (int) (seconds / 60);
        return String.format(Locale.ROOT, "Frame %d at %d:%04.1f:", number, minutes, seconds - 60 * minutes);
    }

    private Picture picture(RgbImage image, boolean crops) {
        List<RgbImage> cropped = crops ? processor.panAndScanCrops(image, settings.panAndScan()) : List.of();
        List<PreparedImage> prepared = new ArrayList<>(1 + cropped.size());
        prepared.add(prepare(image));
        for (RgbImage c : cropped) {
            prepared.add(prepare(c));
        }
        String text = cropped.isEmpty() ? ImagePrompt.START_OF_IMAGE
                : GemmaImageProcessor.panAndScanPrompt(cropped.size());
        return new Picture(prepared, text);
    }

    private List<VideoFrame> frames(String where, io.gemmafleet.schemas.ContentPart.Video v) throws MediaException {
        if (v.frames() != null && !v.frames().isEmpty()) {
            // Frames the client picked are all used, unless it also capped them: then an even spread of them.
            int n = v.frames().size();
            int keep = v.maxFrames() != null ? Math.min(n, v.maxFrames()) : n;
            List<VideoFrame> out = new ArrayList<>(keep);
            for (int k = 0; k < keep; k++) {
                int f = (int) ((k + 0.5) * n / keep);
                io.gemmafleet.schemas.VideoFrame frame = v.frames().get(f);
                out.add(new VideoFrame(decode(where + ".frames[" + f + "]", frame.url(), frame.data(),
                        frame.mediaType()), frame.timestamp()));
            }
            return out;
        }
        int wanted = v.maxFrames() != null ? v.maxFrames() : settings.videoFrames();
        InlineMedia clip = inline(where, null, v.data(), v.mediaType());
        try {
            return videos.sample(clip.bytes(), clip.mediaType(), wanted);
        } catch (MediaException e) {
            throw new MediaException(where + ": " + e.getMessage());
        }
    }

    private RgbImage decode(String where, String url, String data, String mediaType) throws MediaException {
        InlineMedia media = inline(where, url, data, mediaType);
        try {
            return images.decode(media.bytes(), media.mediaType());
        } catch (MediaException e) {
            throw new MediaException(where + ": " + e.getMessage());
        }
    }

    private static InlineMedia inline(String where, String url, String data, String mediaType) throws MediaException {
        if (data == null) {
            throw new MediaException(where + ": workers take inline data only"
                    + (url == null ? "" : "; the URL " + url + " was not fetched")
                    + " (the gateway inlines URLs its allow-list permits)");
        }
        try {
            return InlineMedia.decode(data, mediaType);
        } catch (IllegalArgumentException e) {
            throw new MediaException(where + ": " + e.getMessage());
        }
    }

    private PreparedImage prepare(RgbImage image) {
        PixelValues pixels = processor.process(image);
        return new PreparedImage(pixels.chw(), digest(pixels.chw()));
    }

    /** SHA-256 of the pixel values: the same pixels, the same key. */
    static String digest(float[] pixels) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(4 * 16_384);
            for (int i = 0; i < pixels.length; ) {
                buffer.clear();
                int n = Math.min(16_384, pixels.length - i);
                buffer.asFloatBuffer().put(pixels, i, n);
                buffer.limit(4 * n);
                sha.update(buffer);
                i += n;
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
