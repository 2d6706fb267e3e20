package io.gemmafleet.cli;

import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the {@code --model} option: a path or {@code ollama:} reference as given, or, when absent, the embedded
 * default — a random-weight tiny Gemma 3 (Q8_0 GGUF) written once under {@code build/models} of the project.
 */
final class ModelOption {

    /** Set by the launcher to the project's root folder. */
    static final String HOME_PROPERTY = "gemmafleet.home";
    static final String DEFAULT_MODEL_NAME = "default-tiny-random-q8_0.gguf";

    private ModelOption() {}

    /** The model to load; writes the default one first if needed, saying so on {@code log}. */
    static String resolve(String given, PrintStream log) throws IOException {
        if (given != null) {
            return given;
        }
        Path home = Path.of(System.getProperty(HOME_PROPERTY, ""));
        Path model = home.resolve("build").resolve("models").resolve(DEFAULT_MODEL_NAME).toAbsolutePath();
        if (!Files.isRegularFile(model)) {
            log.println("No --model given: writing the embedded default, a random-weight tiny Gemma 3, to " + model);
            Path partial = model.resolveSibling(DEFAULT_MODEL_NAME + ".partial");
            TestModelWriter.write(partial, TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, 0);
            Files.move(partial, model, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        log.println("Model: " + model + " (RANDOM WEIGHTS — output is meaningless; pass --model for a real one)");
        return model.toString();
    }
}
