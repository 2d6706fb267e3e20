package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.backend.cpu.vision.CpuVisionEncoder;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelWriter.WrittenModel;
import io.gemmafleet.testmodel.VisionTestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vision worker plans its text model in the memory left once the tower's weights and one image batch are set aside. */
class WorkerVisionPlanTest {

    @TempDir
    static Path dir;

    private static WrittenModel model;

    @BeforeAll
    static void write() {
        model = VisionTestModels.writeGguf(dir, "mm", TestModelDtype.F32, TestMmprojDtype.F16);
    }

    private static CliRun plan(String... more) {
        String[] base = {"worker", "--bootstrap", "localhost:1", "--backend", "cpu", "--model",
                model.path().toString(), "--plan-only"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return CliRun.of(all);
    }

    @Test
    void theTowerIsSetAsideFromTheBudgetBeforeTheTextModelIsPlanned() {
        long tower;
        try (VisionWeights w = VisionCheckpoints.loadMmproj(model.mmproj())) {
            tower = CpuVisionEncoder.memoryBytes(w, 2);
        }
        CliRun o = plan("--memory-budget", "1GiB", "--image-batch", "2");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.err().contains("set aside for the tower"), o.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("of (\\d+) MiB").matcher(o.out());
        assertTrue(m.find(), o.out());
        long plannedMiB = Long.parseLong(m.group(1));
        assertTrue(Math.abs(plannedMiB - ((1L << 30) - tower) / (1L << 20)) <= 1,
                "the text model is planned in 1 GiB less the tower's " + tower + " bytes: " + o.out());

        CliRun textOnly = plan("--memory-budget", "1GiB", "--no-vision");
        assertEquals(0, textOnly.exitCode(), textOnly.err());
        assertTrue(!textOnly.err().contains("set aside"), textOnly.err());

        CliRun tooSmall = plan("--memory-budget", Long.toString(tower), "--image-batch", "2");
        assertEquals(2, tooSmall.exitCode(), tooSmall.err());
        assertTrue(tooSmall.err().contains("the vision tower needs"), tooSmall.err());
    }

    @Test
    void theEstimateCountsWidenedWeightsAndOneBatch() {
        try (VisionWeights w = VisionCheckpoints.loadMmproj(model.mmproj())) {
            long one = CpuVisionEncoder.memoryBytes(w, 1);
            long eight = CpuVisionEncoder.memoryBytes(w, 8);
            var c = w.config();
            long perImage = 4L * c.patchCount() * (7L * c.hidden() + c.ffn() + c.patchVectorLength());
            assertEquals(7 * perImage, eight - one);
            long weights = one - perImage;
            long f32Elements = w.tensors().stream().mapToLong(t -> t.elementCount()).sum();
            assertEquals(4 * f32Elements, weights, "F16 and F32 tensors all held as 4-byte floats");
        }
    }
}
