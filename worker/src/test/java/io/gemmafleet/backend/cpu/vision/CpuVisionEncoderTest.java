package io.gemmafleet.backend.cpu.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.VisionTestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuVisionEncoderTest {

    @TempDir
    static Path dir;
    static Path hf;
    static Path mmprojF32;
    static Path mmprojF16;

    @BeforeAll
    static void writeModels() {
        hf = VisionTestModels.writeHf(dir, "hf", TestModelDtype.F32);
        mmprojF32 = VisionTestModels.writeGguf(dir, "f32", TestModelDtype.F32, TestMmprojDtype.F32).mmproj();
        mmprojF16 = VisionTestModels.writeGguf(dir, "q8", TestModelDtype.Q8_0, TestMmprojDtype.F16).mmproj();
    }

    /** Largest |a − b| relative to the largest |b| (the scale of the embeddings). */
    private static double relativeError(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]), "non-finite output at " + i);
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    @Test
    void fastPathMatchesTheScalarReferenceForEveryImageOfABatch() {
        try (VisionWeights w = VisionCheckpoints.loadHf(hf); CpuVisionEncoder encoder = CpuVisionEncoder.create(w, 2)) {
            VisionConfig c = encoder.config();
            float[] first = VisionTestModels.image(c.imageSize(), 1);
            float[] second = VisionTestModels.image(c.imageSize(), 2);
            float[][] out = encoder.encode(List.of(first, second));
            assertEquals(2, out.length);
            ReferenceVisionEncoder reference = new ReferenceVisionEncoder(w);
            float[] expectedFirst = reference.encode(first);
            float[] expectedSecond = reference.encode(second);
            assertEquals(c.tokensPerImage() * c.textHidden(), out[0].length);
            double e1 = relativeError(out[0], expectedFirst);
            double e2 = relativeError(out[1], expectedSecond);
            assertTrue(e1 < 1e-4 && e2 < 1e-4, "relative errors " + e1 + ", " + e2);
            // the two images really differ, so a mix-up between them would show
            assertTrue(relativeError(expectedFirst, expectedSecond) > 0.1);
        }
    }

    @Test
    void aBatchGivesWhatEachImageGivesAlone() {
        try (VisionWeights w = VisionCheckpoints.loadHf(hf); CpuVisionEncoder encoder = CpuVisionEncoder.create(w, 2)) {
            int size = encoder.config().imageSize();
            List<float[]> images = List.of(VisionTestModels.image(size, 3), VisionTestModels.image(size, 4),
                    VisionTestModels.image(size, 5));
            float[][] batched = encoder.encode(images);
            for (int i = 0; i < images.size(); i++) {
                float[] alone = encoder.encode(List.of(images.get(i)))[0];
                assertTrue(relativeError(batched[i], alone) < 1e-6, "image " + i);
            }
        }
    }

    @Test
    void hfFolderAndMmprojOfTheSameWeightsGiveTheSameEmbeddings() {
        try (VisionWeights fromHf = VisionCheckpoints.loadHf(hf);
             VisionWeights fromF32 = VisionCheckpoints.loadMmproj(mmprojF32);
             VisionWeights fromF16 = VisionCheckpoints.loadMmproj(mmprojF16);
             CpuVisionEncoder a = CpuVisionEncoder.create(fromHf, 2);
             CpuVisionEncoder b = CpuVisionEncoder.create(fromF32, 2);
             CpuVisionEncoder f16 = CpuVisionEncoder.create(fromF16, 2)) {
            assertEquals(a.config(), b.config());
            assertEquals(a.config(), f16.config());
            List<float[]> image = List.of(VisionTestModels.image(a.config().imageSize(), 6));
            float[] expected = a.encode(image)[0];
            // the converter stores mm.input_projection in F16 even in an f32 mmproj: only that rounding differs
            double f32Error = relativeError(b.encode(image)[0], expected);
            assertTrue(f32Error < 2e-3, "f32 mmproj vs HF: " + f32Error);
            // an f16 mmproj also rounds every other matrix of the tower
            double f16Error = relativeError(f16.encode(image)[0], expected);
            assertTrue(f16Error < 2e-2, "f16 mmproj vs HF: " + f16Error);
            // and the f16 (widened) path agrees with the reference on its own weights
            double f16Reference = relativeError(f16.encode(image)[0], new ReferenceVisionEncoder(fromF16).encode(image.get(0)));
            assertTrue(f16Reference < 1e-4, "f16 mmproj vs reference: " + f16Reference);
        }
    }

    @Test
    void rejectsAnImageOfTheWrongSizeAndAcceptsNone() {
        try (VisionWeights w = VisionCheckpoints.loadHf(hf); CpuVisionEncoder encoder = CpuVisionEncoder.create(w, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> encoder.encode(List.of(new float[3 * 224 * 224])));
            assertTrue(e.getMessage().contains("448"), e.getMessage());
            assertArrayEquals(new float[0][], encoder.encode(List.of()));
        }
    }
}
