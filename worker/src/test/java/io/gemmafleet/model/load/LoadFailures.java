package io.gemmafleet.model.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.function.Executable;

/** Test helper: runs a load that must fail and returns its one-line message. */
final class LoadFailures {

    private LoadFailures() {}

    static String message(Executable load) {
        ModelLoadException e = assertThrows(ModelLoadException.class, load);
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }
}
