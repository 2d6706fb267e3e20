package io.gemmafleet.worker.vision;

import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.model.vision.VisionEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the images of several jobs into soft tokens in as few vision-tower passes as possible: images already in
 * the {@link SoftTokenCache} are taken from it, the same image appearing twice is encoded once, and the rest go
 * through the encoder together, {@code maxBatch} at a time (the tower's matrices are then read once per batch, not
 * once per image).
 */
public final class ImageEncodingStage {

    /** One job's images in prompt order, with the position of each image's first soft token. */
    public record Job(List<PreparedImage> images, int[] starts) {
        public Job {
            images = List.copyOf(images);
            if (images.size() != starts.length) {
                throw new IllegalArgumentException(images.size() + " images but " + starts.length + " places");
            }
        }
    }

    private final VisionEncoder encoder;
    private final SoftTokenCache cache;
    private final int maxBatch;
    private volatile long imagesEncoded; // written by the encoding thread, read by metrics
    private volatile long batches;

    public ImageEncodingStage(VisionEncoder encoder, SoftTokenCache cache, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the image batch must be at least 1, got " + maxBatch);
        }
        this.encoder = encoder;
        this.cache = cache;
        this.maxBatch = maxBatch;
    }

    /** The image spans of each job, in the jobs' order. */
    public List<List<ImageSpan>> encode(List<Job> jobs) {
        Map<String, float[]> known = new LinkedHashMap<>();
        Map<String, float[]> missing = new LinkedHashMap<>();
        for (Job job : jobs) {
            for (PreparedImage image : job.images()) {
                String key = image.contentKey();
                if (known.containsKey(key) || missing.containsKey(key)) {
                    continue;
                }
                float[] cached = cache.get(key);
                if (cached != null) {
                    known.put(key, cached);
                } else {
                    missing.put(key, image.pixels());
                }
            }
        }
        List<String> keys = new ArrayList<>(missing.keySet());
        for (int from = 0; from < keys.size(); from += maxBatch) {
            List<String> batch = keys.subList(from, Math.min(keys.size(), from + maxBatch));
            float[][] out = encoder.encode(batch.stream().map(missing::get).toList());
            for (int i = 0; i < batch.size(); i++) {
                known.put(batch.get(i), out[i]);
                cache.put(batch.get(i), out[i]);
            }
            imagesEncoded += batch.size();
            batches++;
        }
        int tokens = encoder.config().tokensPerImage();
        List<List<ImageSpan>> spans = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            List<ImageSpan> mine = new ArrayList<>(job.images().size());
            for (int i = 0; i < job.images().size(); i++) {
                String key = job.images().get(i).contentKey();
                mine.add(new ImageSpan(job.starts()[i], tokens, known.get(key), key));
            }
            spans.add(mine);
        }
        return spans;
    }

    public long imagesEncoded() {
        return imagesEncoded;
    }

    public long batches() {
        return batches;
    }

    public VisionEncoder encoder() {
        return encoder;
    }

    public SoftTokenCache cache() {
        return cache;
    }
}
