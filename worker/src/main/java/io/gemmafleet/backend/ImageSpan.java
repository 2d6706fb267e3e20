package io.gemmafleet.backend;

import java.util.List;
import java.util.Objects;

/**
 * A run of prompt positions whose inputs are given as embeddings rather than token ids: one image's soft tokens,
 * spliced in where the prompt holds {@code <image_soft_token>} placeholders. The positions of one span attend to each
 * other bidirectionally (Gemma 3 lets every token of an image see the whole image); everything else stays causal.
 *
 * <p>Because of that, a forward step must never end inside a span: the engine feeds a span's positions in one step
 * (a step may start inside one whose first positions are already cached, e.g. from the prefix cache).
 *
 * @param start the position of the span's first soft token in the sequence
 * @param length how many soft tokens (256 for Gemma 3)
 * @param embeddings {@code length × hidden} floats, row-major: the projected image features, used as they are (not
 *     scaled by sqrt(hidden) as token embeddings are)
 * @param contentKey identifies the embeddings' content (e.g. a digest of the pixels the vision tower saw), so that
 *     the prefix cache can share the cached keys and values of the same image; equal keys must mean equal
 *     embeddings. Executors ignore it.
 */
public record ImageSpan(int start, int length, float[] embeddings, String contentKey) {

    public ImageSpan {
        Objects.requireNonNull(embeddings, "embeddings");
        Objects.requireNonNull(contentKey, "contentKey");
        if (start < 0 || length <= 0) {
            throw new IllegalArgumentException("an image span needs a start ≥ 0 and a length > 0, got " + start
                    + " and " + length);
        }
        if (embeddings.length % length != 0) {
            throw new IllegalArgumentException("image embeddings of " + embeddings.length
                    + " floats do not divide into " + length + " rows");
        }
    }

    /** The position after the span's last soft token. */
    public int end() {
        return start + length;
    }

    /** Floats per row: the text decoder's hidden size the embeddings were projected to. */
    public int width() {
        return embeddings.length / length;
    }

    public boolean contains(int position) {
        return position >= start && position < end();
    }

    /** The span of {@code spans} holding {@code position}, or null. */
    public static ImageSpan at(List<ImageSpan> spans, int position) {
        for (ImageSpan s : spans) {
            if (s.contains(position)) {
                return s;
            }
        }
        return null;
    }
}
