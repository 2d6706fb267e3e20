package io.gemmafleet.worker.vision;

import io.gemmafleet.media.MediaException;
import io.gemmafleet.model.chat.ChatTemplate;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionEncoder;
import io.gemmafleet.schemas.Message;
import java.util.List;

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

    /**
     * A chat prompt with its pictures: token ids with each image's placeholders, and the images, pre-processed and
     * in prompt order, still to be encoded.
     */
    public record ImageChat(int[] ids, ImageEncodingStage.Job images) {}

    /**
     * Reads the messages' images and videos and renders the chat: the template's {@code <start_of_image>} marks
     * become each picture's text (its marker, or the pan-and-scan sentence), then Gemma3Processor's image sequence.
     *
     * @param panAndScan the job's choice, or null for the worker's default
     * @throws MediaException for media the worker cannot use (the message is for the client)
     * @throws IllegalArgumentException for messages the template refuses, or text that writes image markers itself
     */
    public ImageChat render(List<Message> messages, Boolean panAndScan) throws MediaException {
        MediaReader.Read read = reader.read(messages, panAndScan);
        String rendered = withPictureTexts(new ChatTemplate().render(read.chat(), true), read.pictures());
        ImagePrompt.Expanded expanded = prompt.expand(rendered, false);
        List<PreparedImage> all = read.pictures().stream().flatMap(p -> p.images().stream()).toList();
        if (expanded.imageStarts().length != all.size()) {
            throw new IllegalArgumentException("the text holds " + ImagePrompt.START_OF_IMAGE
                    + " markers of its own; they are reserved for images");
        }
        return new ImageChat(expanded.ids(), new ImageEncodingStage.Job(all, expanded.imageStarts()));
    }

    /** Puts each picture's prompt text (its marker, or the pan-and-scan sentence) where the template marked it. */
    private static String withPictureTexts(String rendered, List<MediaReader.Picture> pictures) {
        StringBuilder out = new StringBuilder(rendered.length());
        int from = 0;
        for (MediaReader.Picture picture : pictures) {
            int at = rendered.indexOf(ImagePrompt.START_OF_IMAGE, from);
            if (at < 0) {
                break;
            }
            out.append(rendered, from, at).append(picture.promptText());
            from = at + ImagePrompt.START_OF_IMAGE.length();
        }
        return out.append(rendered, from, rendered.length()).toString();
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
