package io.gemmafleet.worker.vision;

import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import java.util.Arrays;

/**
 * Turns prompt text with one {@code <start_of_image>} per image into token ids with room for each image's soft
 * tokens, as Hugging Face's {@code Gemma3Processor} does: every {@code <start_of_image>} becomes
 * {@code "\n\n<start_of_image>" + tokensPerImage × <image_soft_token> + "<end_of_image>\n\n"}.
 *
 * <p>The text is tokenized with the markers in place (special tokens are atomic, so the text between them splits
 * exactly as the processor's does), then the placeholders are inserted after each {@code <start_of_image>}.
 */
public final class ImagePrompt {

    /** The text the chat template writes where an image goes. */
    public static final String START_OF_IMAGE = "<start_of_image>";
    public static final String END_OF_IMAGE = "<end_of_image>";
    /**
     * {@code <image_soft_token>}: the placeholder every soft token of an image carries. It lies beyond the tokenizer's
     * 262,144 entries (the multimodal checkpoints have 262,208 embedding rows); its embedding is never looked up.
     */
    public static final int SOFT_TOKEN_ID = 262_144;

    /**
     * @param ids the prompt's token ids, placeholders included
     * @param imageStarts for each image in order, the position of its first soft token
     */
    public record Expanded(int[] ids, int[] imageStarts) {}

    private final GemmaTokenizer tokenizer;
    private final int tokensPerImage;
    private final int startOfImageId;

    public ImagePrompt(GemmaTokenizer tokenizer, int tokensPerImage) {
        this.tokenizer = tokenizer;
        this.tokensPerImage = tokensPerImage;
        int[] boi = tokenizer.encode(START_OF_IMAGE, false);
        if (boi.length != 1) {
            throw new IllegalArgumentException("the tokenizer has no single token for " + START_OF_IMAGE);
        }
        this.startOfImageId = boi[0];
    }

    public Expanded expand(String text, boolean addBos) {
        String marked = text.replace(START_OF_IMAGE, "\n\n" + START_OF_IMAGE + END_OF_IMAGE + "\n\n");
        int[] plain = tokenizer.encode(marked, addBos);
        int images = 0;
        for (int id : plain) {
            if (id == startOfImageId) {
                images++;
            }
        }
        int[] ids = new int[plain.length + images * tokensPerImage];
        int[] starts = new int[images];
        int out = 0;
        int image = 0;
        for (int id : plain) {
            ids[out++] = id;
            if (id == startOfImageId) {
                starts[image++] = out;
                Arrays.fill(ids, out, out + tokensPerImage, SOFT_TOKEN_ID);
                out += tokensPerImage;
            }
        }
        return new Expanded(ids, starts);
    }

    public int tokensPerImage() {
        return tokensPerImage;
    }
}
