package io.gemmafleet.cli;

import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelTokenizer;
import io.gemmafleet.testmodel.TestModelWriter;
import io.gemmafleet.testmodel.TestVisionShape;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Resolves the {@code --model} option: a path or {@code ollama:} reference as given, or, when absent, the embedded
 * default — a random-weight tiny multimodal Gemma 3 (Q8_0 GGUF, its tiny vision tower in {@code mmproj-NAME.gguf}
 * beside it, where {@link VisionOptions} finds it) written once under {@code build/models} of the project.
 */
final class ModelOption {

    /** Set by the launcher to the project's root folder. */
    static final String HOME_PROPERTY = "gemmafleet.home";
    /**
     * Named apart from the text-only default of earlier versions ({@code default-tiny-random-q8_0.gguf}, left
     * unused), so a folder holding that one gets the multimodal model written rather than served without images.
     */
    static final String DEFAULT_MODEL_NAME = "default-tiny-random-vision-q8_0.gguf";

    private ModelOption() {}

    /** The model to load; writes the default one first if needed, saying so on {@code log}. */
    static String resolve(String given, PrintStream log) throws IOException {
        if (given != null) {
            return given;
        }
        Path home = Path.of(System.getProperty(HOME_PROPERTY, ""));
        Path model = home.resolve("build").resolve("models").resolve(DEFAULT_MODEL_NAME).toAbsolutePath();
        if (!Files.isRegularFile(model)) {
            log.println("No --model given: writing the embedded default, a random-weight tiny Gemma 3 with a tiny "
                    + "vision tower, to " + model);
            writeDefault(model);
        }
        log.println("Model: " + model + " (RANDOM WEIGHTS — output is meaningless; pass --model for a real one)");
        return model.toString();
    }

    /**
     * Writes the model and its mmproj in a scratch folder beside it, then moves the mmproj and last the model into
     * place: a model file present means its mmproj is too, even after a crash mid-write.
     */
    private static void writeDefault(Path model) throws IOException {
        Files.createDirectories(model.getParent());
        Path scratch = Files.createTempDirectory(model.getParent(), ".default-model-");
        try {
            TestModelWriter.WrittenModel written = new TestModelWriter(TestModelTokenizer.locateDefault(),
                    TestModelWriter.DEFAULT_MAX_SHARD_BYTES).writeModel(scratch.resolve(DEFAULT_MODEL_NAME),
                    TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, 0, TestVisionShape.tiny(),
                    TestMmprojDtype.F32);
            Files.move(written.mmproj(), model.resolveSibling(written.mmproj().getFileName()),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(written.path(), model, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            try (var left = Files.list(scratch)) {
                for (Path p : left.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(scratch);
        }
    }
}
