package io.gemmafleet.model.vision;

import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded vision tower + projector: its configuration and every tensor under its mmproj name
 * ({@link VisionTensors}), data still in the memory-mapped file until {@link #close()}.
 *
 * <p>The one difference between the two sources that is not a name: Hugging Face stores the projector's RMSNorm weight
 * as {@code w} (applied as {@code 1 + w}), llama.cpp's converter as {@code w + 1}; {@link #softEmbNormMultiplier()}
 * hides it.
 */
public final class VisionWeights implements AutoCloseable {

    private final Path source;
    private final String format;
    private final VisionConfig config;
    private final Map<String, TensorData> tensors;
    private final boolean softEmbNormStoredWithoutOne;
    private final float[] imageMean;
    private final float[] imageStd;
    private final Arena arena;

    VisionWeights(Path source, String format, VisionConfig config, Map<String, TensorData> tensors,
                  boolean softEmbNormStoredWithoutOne, float[] imageMean, float[] imageStd, Arena arena) {
        this.source = source;
        this.format = format;
        this.config = config;
        this.tensors = Map.copyOf(tensors);
        this.softEmbNormStoredWithoutOne = softEmbNormStoredWithoutOne;
        this.imageMean = imageMean.clone();
        this.imageStd = imageStd.clone();
        this.arena = arena;
    }

    public VisionConfig config() {
        return config;
    }

    /** The folder or file the weights came from. */
    public Path source() {
        return source;
    }

    /** {@code "safetensors"} or {@code "mmproj-gguf"}. */
    public String format() {
        return format;
    }

    /** The tensor called {@code name} (an mmproj name); a missing one is a load error that names it. */
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new ModelLoadException(source, "missing vision tensor " + name);
        }
        return t;
    }

    /** Every tensor of the tower and projector, under its mmproj name. */
    public java.util.Collection<TensorData> tensors() {
        return tensors.values();
    }

    /** The final multiplier of the projector's RMSNorm: {@code 1 + w} whichever way the file stores it. */
    public float[] softEmbNormMultiplier() {
        float[] w = Dequantizer.all(tensor(VisionTensors.SOFT_EMB_NORM));
        if (softEmbNormStoredWithoutOne) {
            for (int i = 0; i < w.length; i++) {
                w[i] += 1f;
            }
        }
        return w;
    }

    /** Per-channel (R, G, B) mean the pixels in [0, 1] are normalised with (0.5 for Gemma 3). */
    public float[] imageMean() {
        return imageMean.clone();
    }

    /** Per-channel standard deviation the pixels are normalised with (0.5 for Gemma 3). */
    public float[] imageStd() {
        return imageStd.clone();
    }

    @Override
    public void close() {
        arena.close();
    }
}
