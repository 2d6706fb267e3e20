package io.gemmafleet.testmodel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Test fixture: the tiny multimodal model (tiny text decoder + tiny vision tower) in either layout, and test images. */
public final class VisionTestModels {

    public static final long SEED = 11;

    private VisionTestModels() {}

    /** A {@code Gemma3ForConditionalGeneration} folder {@code dir/NAME} in {@code dtype} (f32 or bf16). */
    public static Path writeHf(Path dir, String name, TestModelDtype dtype) {
        return write(dir.resolve(name), TestModelFormat.SAFETENSORS, dtype, TestMmprojDtype.beside(dtype)).path();
    }

    /** {@code dir/NAME.gguf} and its {@code mmproj-NAME.gguf}; returns what was written. */
    public static TestModelWriter.WrittenModel writeGguf(Path dir, String name, TestModelDtype dtype, TestMmprojDtype mmproj) {
        return write(dir.resolve(name + ".gguf"), TestModelFormat.GGUF, dtype, mmproj);
    }

    private static TestModelWriter.WrittenModel write(Path out, TestModelFormat format, TestModelDtype dtype,
                                                      TestMmprojDtype mmproj) {
        try {
            return new TestModelWriter(TestModelTokenizer.locateDefault(), TestModelWriter.DEFAULT_MAX_SHARD_BYTES)
                    .writeModel(out, format, TestModelShape.tiny(), dtype, SEED, TestVisionShape.tiny(), mmproj);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A normalised image {@code [3][size][size]}: random bytes b mapped as (b / 255 − 0.5) / 0.5. */
    public static float[] image(int size, long seed) {
        return normalise(rgbBytes(size, seed), size);
    }

    /** Random RGB bytes, interleaved {@code [size][size][3]} (a PNG's row order). */
    public static byte[] rgbBytes(int size, long seed) {
        byte[] rgb = new byte[size * size * 3];
        new SplittableRandom(seed).nextBytes(rgb);
        return rgb;
    }

    /** Interleaved RGB bytes → channel-major floats, normalised with mean 0.5 and std 0.5. */
    public static float[] normalise(byte[] rgb, int size) {
        float[] out = new float[3 * size * size];
        for (int i = 0; i < size * size; i++) {
            for (int ch = 0; ch < 3; ch++) {
                out[ch * size * size + i] = ((rgb[3 * i + ch] & 0xFF) / 255f - 0.5f) / 0.5f;
            }
        }
        return out;
    }
}
