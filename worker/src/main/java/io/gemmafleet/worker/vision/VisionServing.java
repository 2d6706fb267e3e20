package io.gemmafleet.worker.vision;

import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionEncoder;

/**
 * Everything a worker that serves image and video jobs adds to a text worker: reading the media, room for the
 * images in the prompt, and the batched vision tower. Closing it closes the tower and what it was loaded from.
 *
 * @param owned closed after the encoder (the tower's weights, mapped from their file); null for none
 */
public record VisionServing(MediaReader reader, ImagePrompt prompt, ImageEncodingStage encoding, AutoCloseable owned)
        implements AutoCloseable {

    public VisionServing(MediaReader reader, ImagePrompt prompt, ImageEncodingStage encoding) {
        this(reader, prompt, encoding, null);
    }

    /**
     * @param imageBatch images encoded together at most
     * @param cacheBytes soft tokens of recent images kept, so a repeated image is not encoded again
     */
    public static VisionServing of(VisionEncoder encoder, GemmaTokenizer tokenizer, MediaReader.Settings media,
                                   int imageBatch, long cacheBytes) {
        return new VisionServing(new MediaReader(media, encoder.config().imageSize()),
                new ImagePrompt(tokenizer, encoder.config().tokensPerImage()),
                new ImageEncodingStage(encoder, new SoftTokenCache(cacheBytes), imageBatch));
    }

    /** This serving, also closing {@code resources} when closed. */
    public VisionServing owning(AutoCloseable resources) {
        return new VisionServing(reader, prompt, encoding, resources);
    }

    @Override
    public void close() throws Exception {
        try {
            if (encoding != null) {
                encoding.encoder().close();
            }
        } finally {
            if (owned != null) {
                owned.close();
            }
        }
    }
}
