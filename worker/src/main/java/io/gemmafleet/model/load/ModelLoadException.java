package io.gemmafleet.model.load;

import java.nio.file.Path;

/**
 * A checkpoint could not be loaded. The message is one line that names the file and the problem, fit to show a
 * user as it is (no stack trace needed).
 */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ModelLoadException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
