package io.gemmafleet.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weight bytes the memory planner is given for the CUDA backend, from the checkpoint headers alone (no GPU
 * needed): encodings with a device kernel count as stored, others as the f32 they are widened to at upload.
 */
class CudaResidentBytesTest {

    @TempDir
    Path dir;

    private long[] storedAndResident(TestModelDtype dtype) throws Exception {
        Path file = dir.resolve(dtype.name() + ".gguf");
        TestModelWriter.write(file, TestModelFormat.GGUF, TestModelShape.tiny(), dtype, 5);
        try (Checkpoint c = CheckpointLoader.load(file.toString())) {
            return new long[] {c.decoderWeightBytes(), new CudaBackend().residentWeightBytes(c)};
        }
    }

    @Test
    void bf16AndQ4_0GoUpAsStored() throws Exception {
        long[] bf16 = storedAndResident(TestModelDtype.BF16);
        assertEquals(bf16[0], bf16[1]);
        long[] q4 = storedAndResident(TestModelDtype.Q4_0);
        assertEquals(q4[0], q4[1], "Q4_0 repacked: the same 18 bytes a block, quants and scales apart");
    }

    @Test
    void qatFilesF16EmbeddingIsWidenedToF32() throws Exception {
        TestModelShape tiny = TestModelShape.tiny();
        long[] qat = storedAndResident(TestModelDtype.QAT_Q4_0);
        assertEquals(qat[0] + 2L * tiny.vocabRows() * tiny.hidden(), qat[1]);
    }
}
