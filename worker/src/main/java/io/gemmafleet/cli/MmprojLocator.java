package io.gemmafleet.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the llama.cpp vision projector ({@code mmproj}) kept beside a GGUF model when {@code --mmproj} is not
 * given: {@code mmproj-NAME.gguf} for {@code NAME.gguf} (how {@code make-test-model --vision} and the default model
 * name it), else the folder's only {@code mmproj-*.gguf} (how published GGUF repositories ship it, e.g.
 * {@code mmproj-model-f16.gguf}). Several candidates and none named after the model: nothing is guessed.
 */
final class MmprojLocator {

    private MmprojLocator() {}

    /** The mmproj beside {@code model}, if {@code model} is a GGUF file and one is found. */
    static Optional<Path> beside(Path model) {
        if (!Files.isRegularFile(model) || !model.getFileName().toString().endsWith(".gguf")) {
            return Optional.empty();
        }
        Path named = model.resolveSibling("mmproj-" + model.getFileName());
        if (Files.isRegularFile(named)) {
            return Optional.of(named);
        }
        Path folder = model.toAbsolutePath().getParent();
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "mmproj-*.gguf")) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    candidates.add(f);
                }
            }
        } catch (IOException e) {
            return Optional.empty(); // an unreadable folder: serve text only, as without a projector
        }
        return candidates.size() == 1 ? Optional.of(candidates.getFirst()) : Optional.empty();
    }
}
