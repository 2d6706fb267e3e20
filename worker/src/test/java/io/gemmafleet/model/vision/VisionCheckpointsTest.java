package io.gemmafleet.model.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.safetensors.SafetensorsReader;
import io.gemmafleet.model.safetensors.SafetensorsWriter;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestVisionShape;
import io.gemmafleet.testmodel.TinyModels;
import io.gemmafleet.testmodel.VisionTestModels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisionCheckpointsTest {

    @TempDir
    static Path dir;
    static Path hf;
    static Path mmprojF16;

    @BeforeAll
    static void writeModels() {
        hf = VisionTestModels.writeHf(dir, "hf", TestModelDtype.F32);
        mmprojF16 = VisionTestModels.writeGguf(dir, "q8", TestModelDtype.Q8_0, TestMmprojDtype.F16).mmproj();
    }

    private static final VisionConfig TINY = TestVisionShape.tiny().config(64);

    @Test
    void hfFolderLoadsTheTinyTowerItsConfigDescribes() {
        assertTrue(VisionCheckpoints.hasVision(hf));
        try (VisionWeights w = VisionCheckpoints.loadHf(hf)) {
            assertEquals(TINY, w.config());
            assertEquals(2, w.config().poolKernel());
            assertArrayEquals(new long[] {64, 3, 14, 14}, w.tensor(VisionTensors.PATCH_WEIGHT).shape());
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, w.imageMean());
        }
    }

    @Test
    void mmprojLoadsTheSameTowerInTheConvertersTypesWithTheNormPlusOne() {
        try (VisionWeights g = VisionCheckpoints.loadMmproj(mmprojF16); VisionWeights h = VisionCheckpoints.loadHf(hf)) {
            assertEquals(TINY, g.config());
            assertEquals(GgmlType.F16, g.tensor(VisionTensors.layer(1, "attn_q", "weight")).type());
            assertEquals(GgmlType.F32, g.tensor(VisionTensors.PATCH_WEIGHT).type());
            assertEquals(GgmlType.F32, g.tensor(VisionTensors.POSITION).type());
            assertEquals(GgmlType.F32, g.tensor(VisionTensors.layer(0, "ln1", "weight")).type());
            assertEquals(GgmlType.F16, g.tensor(VisionTensors.INPUT_PROJECTION).type());
            float[] stored = Dequantizer.all(g.tensor(VisionTensors.SOFT_EMB_NORM));
            float[] hfStored = Dequantizer.all(h.tensor(VisionTensors.SOFT_EMB_NORM));
            assertEquals(hfStored[5] + 1f, stored[5], 1e-6f); // the converter adds 1 ...
            assertArrayEquals(h.softEmbNormMultiplier(), g.softEmbNormMultiplier(), 1e-6f); // ... and we undo the difference
            assertArrayEquals(Dequantizer.all(h.tensor(VisionTensors.PATCH_WEIGHT)),
                    Dequantizer.all(g.tensor(VisionTensors.PATCH_WEIGHT))); // nothing transposed
        }
    }

    @Test
    void newerTransformersPrefixLoadsTheSameTensors() throws IOException {
        Path nested = dir.resolve("nested");
        rewrite(hf, nested, name -> true, name -> name.startsWith("vision_tower.") || name.startsWith("multi_modal_projector.")
                ? "model." + name : name.replace("language_model.model.", "model.language_model."));
        try (VisionWeights a = VisionCheckpoints.loadHf(hf); VisionWeights b = VisionCheckpoints.loadHf(nested)) {
            assertEquals(a.config(), b.config());
            for (String name : VisionTensors.expectedShapes(a.config()).keySet()) {
                assertArrayEquals(Dequantizer.all(a.tensor(name)), Dequantizer.all(b.tensor(name)), name);
            }
        }
    }

    @Test
    void aMissingTensorIsALoadErrorThatNamesIt() throws IOException {
        Path broken = dir.resolve("broken");
        String gone = "vision_tower.vision_model.encoder.layers.1.mlp.fc2.bias";
        rewrite(hf, broken, name -> !name.equals(gone), name -> name);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> VisionCheckpoints.loadHf(broken));
        assertTrue(e.getMessage().contains(gone), e.getMessage());
    }

    @Test
    void textOnlyFoldersAndFilesAreRefusedClearly() throws IOException {
        Path causal = dir.resolve("causal");
        io.gemmafleet.testmodel.TestModelWriter.write(causal, io.gemmafleet.testmodel.TestModelFormat.SAFETENSORS,
                io.gemmafleet.testmodel.TestModelShape.tiny(), TestModelDtype.F32, 1);
        assertFalse(VisionCheckpoints.hasVision(causal));
        assertTrue(assertThrows(ModelLoadException.class, () -> VisionCheckpoints.loadHf(causal)).getMessage()
                .contains("no vision tower"));
        Path textGguf = TinyModels.writeGguf(dir);
        assertTrue(assertThrows(ModelLoadException.class, () -> VisionCheckpoints.loadMmproj(textGguf)).getMessage()
                .contains("not an mmproj file"));
    }

    @Test
    void aTruncatedMmprojIsALoadErrorNotACrash() throws IOException {
        Path cut = dir.resolve("cut.gguf");
        byte[] bytes = Files.readAllBytes(mmprojF16);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(ModelLoadException.class, () -> VisionCheckpoints.loadMmproj(cut));
        Path garbage = dir.resolve("garbage.gguf");
        Files.write(garbage, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, (byte) 0xFF, (byte) 0xFF});
        assertThrows(ModelLoadException.class, () -> VisionCheckpoints.loadMmproj(garbage));
    }

    /** Copies a one-file HF folder, keeping the tensors {@code keep} accepts under the names {@code rename} gives. */
    private static void rewrite(Path from, Path to, Predicate<String> keep,
                                java.util.function.UnaryOperator<String> rename) throws IOException {
        Files.createDirectories(to);
        for (String f : new String[] {"config.json", "preprocessor_config.json"}) {
            Files.copy(from.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (TensorData t : SafetensorsReader.read(from.resolve("model.safetensors"), arena).tensors().values()) {
                if (keep.test(t.name())) {
                    w.addTensor(rename.apply(t.name()), t.type(), t.shape(), TensorPayload.of(t.data()));
                }
            }
            w.write(to.resolve("model.safetensors"));
        }
    }
}
