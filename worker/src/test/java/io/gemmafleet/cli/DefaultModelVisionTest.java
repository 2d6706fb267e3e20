package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.media.FfmpegTools;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelWriter;
import io.gemmafleet.testmodel.VisionTestModels;
import io.gemmafleet.worker.vision.VisionServing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The embedded default model serves images: it is written with its mmproj beside it (under a new name, so an old
 * text-only default is not reused), and a worker without {@code --mmproj} finds the mmproj beside its GGUF.
 */
class DefaultModelVisionTest {

    @TempDir
    Path dir;

    @Test
    void theDefaultModelIsWrittenWithItsMmprojAndTheWorkerServesImagesFromIt() throws Exception {
        Path models = Files.createDirectories(dir.resolve("build").resolve("models"));
        // The text-only default of earlier versions, left there by an older checkout: not reused.
        Path old = models.resolve("default-tiny-random-q8_0.gguf");
        TestModelWriter.write(old, TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, 0);
        String previous = System.getProperty(ModelOption.HOME_PROPERTY);
        System.setProperty(ModelOption.HOME_PROPERTY, dir.toString());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String model;
        try {
            model = ModelOption.resolve(null, new PrintStream(log, true, StandardCharsets.UTF_8));
        } finally {
            if (previous == null) {
                System.clearProperty(ModelOption.HOME_PROPERTY);
            } else {
                System.setProperty(ModelOption.HOME_PROPERTY, previous);
            }
        }
        Path written = Path.of(model);
        assertEquals(models.resolve(ModelOption.DEFAULT_MODEL_NAME).toAbsolutePath(), written);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("writing the embedded default"), log.toString());
        assertTrue(Files.isRegularFile(models.resolve("mmproj-" + ModelOption.DEFAULT_MODEL_NAME)), "mmproj written");
        try (var left = Files.list(models)) {
            assertEquals(3, left.count(), "the old model, the new one and its mmproj; no scratch left");
        }

        ByteArrayOutputStream visionLog = new ByteArrayOutputStream();
        try (Checkpoint checkpoint = CheckpointLoader.load(model)) {
            GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
            VisionServing vision = visionOptions().open(new CpuBackend(), model, TestModelShape.tiny().hidden(), 1,
                    tokenizer, new PrintStream(visionLog, true, StandardCharsets.UTF_8));
            assertNotNull(vision, "the default model serves images; log: " + visionLog);
            assertEquals(256, vision.prompt().tokensPerImage());
        }
        assertTrue(visionLog.toString(StandardCharsets.UTF_8).contains("found beside the model"), visionLog.toString());
        assertTrue(visionLog.toString(StandardCharsets.UTF_8).contains("video containers "), visionLog.toString());
        assertNull(visionOptions("--no-vision").open(new CpuBackend(), model, TestModelShape.tiny().hidden(), 1,
                null, new PrintStream(java.io.OutputStream.nullOutputStream())), "--no-vision still wins");
    }

    @Test
    void theMmprojBesideAGgufIsFoundByNameElseWhenItIsTheOnlyOne() throws Exception {
        Path model = Files.writeString(dir.resolve("gemma-3-4b-it-Q4_K_M.gguf"), "x");
        assertEquals(Optional.empty(), MmprojLocator.beside(model), "no mmproj at all");
        Path lone = Files.writeString(dir.resolve("mmproj-model-f16.gguf"), "x");
        assertEquals(Optional.of(lone), MmprojLocator.beside(model), "the folder's only mmproj");
        Files.writeString(dir.resolve("mmproj-other-f32.gguf"), "x");
        assertEquals(Optional.empty(), MmprojLocator.beside(model), "two candidates, neither named after the model");
        Path named = Files.writeString(dir.resolve("mmproj-gemma-3-4b-it-Q4_K_M.gguf"), "x");
        assertEquals(Optional.of(named), MmprojLocator.beside(model), "named after the model wins");
        assertEquals(Optional.empty(), MmprojLocator.beside(dir), "a folder is not a GGUF model");
        assertEquals(Optional.empty(), MmprojLocator.beside(dir.resolve("missing.gguf")));
    }

    @Test
    void aProjectorFoundBesideAModelOfAnotherWidthIsIgnoredNotFatal() throws Exception {
        Path model = dir.resolve("text-only.gguf");
        TestModelWriter.write(model, TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, 0);
        // The only mmproj in the folder belongs to another model: its projector's width is not this decoder's.
        Path other = VisionTestModels.writeGguf(dir.resolve("other"), "wide", TestModelDtype.F32,
                TestMmprojDtype.F32).mmproj();
        Files.move(other, dir.resolve(other.getFileName()));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int thisWidth = 2 * TestModelShape.tiny().hidden();
        VisionServing vision = visionOptions().open(new CpuBackend(), model.toString(), thisWidth, 1, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertNull(vision, "text only");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("serving text only"), log.toString());
    }

    @Test
    void ffmpegOptionsNameTheExecutableAndBoundItsTime() {
        FfmpegTools defaults = visionOptions().ffmpegTools();
        assertEquals(Duration.ofSeconds(20), defaults.callTimeout());
        assertEquals(Duration.ofSeconds(60), defaults.clipTimeout());
        FfmpegTools given = visionOptions("--ffmpeg", dir.resolve("bin/ffmpeg").toString(), "--video-timeout", "PT5S")
                .ffmpegTools();
        assertEquals(dir.resolve("bin/ffmpeg"), given.ffmpeg());
        assertFalse(given.installed(), "nothing is there");
        assertEquals(Duration.ofSeconds(5), given.callTimeout(), "one run never gets more than the whole clip");
        assertEquals(Duration.ofSeconds(5), given.clipTimeout());
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs("--bootstrap", "localhost:1", "--video-timeout", "PT0S");
        assertThrows(CommandLine.ParameterException.class, () -> command.vision.validate());
    }

    /** The worker command's vision options as parsed from {@code args}. */
    private static VisionOptions visionOptions(String... args) {
        WorkerCommand command = new WorkerCommand();
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap";
        all[1] = "localhost:1";
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(command).parseArgs(all);
        return command.vision;
    }
}
