package io.gemmafleet.worker.vision;

import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionEncoder;

/**
 * Everything a worker that serves image and video jobs adds to a text worker: reading the media, room for the
 * images in the prompt, and the batched vision tower.
 */
public record VisionServing(MediaReader reader, ImagePrompt prompt, ImageEncodingStage encoding) {

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
}
