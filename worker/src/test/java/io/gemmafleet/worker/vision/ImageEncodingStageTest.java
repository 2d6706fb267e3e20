package io.gemmafleet.worker.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionEncoder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The encoding stage batches images across jobs, encodes a repeated image once and reuses cached ones. */
class ImageEncodingStageTest {

    private static final int TOKENS = 4;
    private static final int HIDDEN = 3;

    /** Encodes an image to rows filled with its first pixel, and records each batch's size. */
    private static final class CountingEncoder implements VisionEncoder {
        final List<Integer> batches = new ArrayList<>();

        @Override
        public VisionConfig config() {
            return new VisionConfig(28, 14, 8, 1, 1, 8, 1e-6f, TOKENS, HIDDEN, 1e-6f);
        }

        @Override
        public float[][] encode(List<float[]> images) {
            batches.add(images.size());
            float[][] out = new float[images.size()][TOKENS * HIDDEN];
            for (int i = 0; i < images.size(); i++) {
                java.util.Arrays.fill(out[i], images.get(i)[0]);
            }
            return out;
        }

        @Override
        public void close() {}
    }

    private static float[] filled(float value) {
        float[] rows = new float[TOKENS * HIDDEN];
        java.util.Arrays.fill(rows, value);
        return rows;
    }

    private static PreparedImage image(float value) {
        return new PreparedImage(new float[] {value}, "key-" + value);
    }

    @Test
    void imagesOfSeveralJobsAreEncodedTogetherInBatchesAndRepeatsOnce() {
        CountingEncoder encoder = new CountingEncoder();
        ImageEncodingStage stage = new ImageEncodingStage(encoder, new SoftTokenCache(1 << 20), 2);
        List<ImageEncodingStage.Job> jobs = List.of(
                new ImageEncodingStage.Job(List.of(image(1), image(2)), new int[] {5, 300}),
                new ImageEncodingStage.Job(List.of(image(2)), new int[] {9}),
                new ImageEncodingStage.Job(List.of(image(3)), new int[] {7}));

        List<List<ImageSpan>> spans = stage.encode(jobs);

        assertEquals(List.of(2, 1), encoder.batches, "three distinct images, batches of at most two");
        assertEquals(3, stage.imagesEncoded());
        assertEquals(2, spans.get(0).size());
        ImageSpan second = spans.get(0).get(1);
        assertEquals(300, second.start());
        assertEquals(TOKENS, second.length());
        assertArrayEquals(filled(2), second.embeddings());
        assertSame(second.embeddings(), spans.get(1).get(0).embeddings(), "the repeated image is encoded once");
        assertEquals("key-3.0", spans.get(2).get(0).contentKey());
    }

    @Test
    void anImageSeenBeforeComesFromTheCache() {
        CountingEncoder encoder = new CountingEncoder();
        ImageEncodingStage stage = new ImageEncodingStage(encoder, new SoftTokenCache(1 << 20), 8);
        stage.encode(List.of(new ImageEncodingStage.Job(List.of(image(4)), new int[] {1})));
        List<List<ImageSpan>> again = stage.encode(
                List.of(new ImageEncodingStage.Job(List.of(image(4), image(5)), new int[] {1, 400})));
        assertEquals(List.of(1, 1), encoder.batches, "only the new image is encoded the second time");
        assertEquals(4f, again.get(0).get(0).embeddings()[0]);
        assertEquals(1, stage.cache().hits());
    }
}
