package io.gemmafleet.backend;

/**
 * A forward step could not get the memory it needed (device memory on a GPU, heap on the CPU). The step changed
 * nothing the engine relies on: the sequences it carried may be recomputed, on this executor with less load or on
 * a smaller model from the worker's fallback ladder.
 */
public class ExecutorOutOfMemoryException extends RuntimeException {

    public ExecutorOutOfMemoryException(String message) {
        super(message);
    }

    public ExecutorOutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
