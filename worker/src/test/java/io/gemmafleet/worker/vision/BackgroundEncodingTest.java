package io.gemmafleet.worker.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Encoding off the worker loop's thread: results in submission order, failures as results, abandon on shutdown. */
class BackgroundEncodingTest {

    /** Encodes to rows of the first pixel; blocks until released; fails on a NaN pixel. */
    private static final class GatedEncoder implements VisionEncoder {
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public VisionConfig config() {
            return new VisionConfig(28, 14, 8, 1, 1, 8, 1e-6f, 4, 2, 1e-6f);
        }

        @Override
        public float[][] encode(List<float[]> images) {
            try {
                assertTrue(gate.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            float[][] out = new float[images.size()][8];
            for (int i = 0; i < images.size(); i++) {
                if (Float.isNaN(images.get(i)[0])) {
                    throw new IllegalStateException("bad pixels");
                }
                java.util.Arrays.fill(out[i], images.get(i)[0]);
            }
            return out;
        }

        @Override
        public void close() {}
    }

    private static ImageEncodingStage.Job job(float pixel) {
        return new ImageEncodingStage.Job(List.of(new PreparedImage(new float[] {pixel}, "k" + pixel)),
                new int[] {3});
    }

    private static List<BackgroundEncoding.Done<String>> collectAll(BackgroundEncoding<String> e, int batches)
            throws InterruptedException {
        List<BackgroundEncoding.Done<String>> all = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (all.size() < batches && System.nanoTime() < end) {
            all.addAll(e.collect());
            Thread.sleep(5);
        }
        return all;
    }

    @Test
    void batchesComeBackInOrderAndAFailedOneIsAResult() throws Exception {
        GatedEncoder encoder = new GatedEncoder();
        try (BackgroundEncoding<String> encoding = new BackgroundEncoding<>(
                new ImageEncodingStage(encoder, new SoftTokenCache(1 << 20), 8), "test-encoder")) {
            encoding.submit(List.of("a", "b"), s -> job(s.equals("a") ? 1 : 2));
            encoding.submit(List.of("bad"), s -> job(Float.NaN));
            encoding.submit(List.of("c"), s -> job(3));
            assertEquals(4, encoding.pendingJobs());
            assertTrue(encoding.collect().isEmpty(), "nothing is done while the tower is busy");

            encoder.gate.countDown();
            List<BackgroundEncoding.Done<String>> done = collectAll(encoding, 3);
            assertEquals(3, done.size());
            assertEquals(List.of("a", "b"), done.get(0).jobs());
            assertEquals(2f, done.get(0).spans().get(1).getFirst().embeddings()[0]);
            assertNull(done.get(0).error());
            assertEquals(List.of("bad"), done.get(1).jobs());
            assertNotNull(done.get(1).error());
            assertTrue(done.get(1).error().getMessage().contains("bad pixels"));
            assertEquals(List.of("c"), done.get(2).jobs());
            assertEquals(0, encoding.pendingJobs());
        }
    }

    @Test
    void abandonHandsBackEveryJobNotCollected() throws Exception {
        GatedEncoder encoder = new GatedEncoder();
        try (BackgroundEncoding<String> encoding = new BackgroundEncoding<>(
                new ImageEncodingStage(encoder, new SoftTokenCache(1 << 20), 8), "test-encoder")) {
            encoding.submit(List.of("x", "y"), s -> job(1));
            encoding.submit(List.of("z"), s -> job(2));
            assertEquals(List.of("x", "y", "z"), encoding.abandon());
            assertEquals(0, encoding.pendingJobs());
            encoder.gate.countDown();
        }
    }
}
