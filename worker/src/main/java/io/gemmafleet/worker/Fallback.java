package io.gemmafleet.worker;

import java.util.Optional;

/**
 * Where a worker goes after a real out-of-memory: the next rung of its fallback ladder (a smaller variant of the
 * model, or the same one at a shorter context), loaded. Every request has been suspended when this is called; an
 * implementation that has a next rung closes {@code current} before loading it (the memory is needed), and one
 * that has none leaves it open.
 */
@FunctionalInterface
public interface Fallback {

    /** @return the next model to serve, or empty when the ladder is exhausted */
    Optional<LoadedModel> after(LoadedModel current, RuntimeException outOfMemory);

    /** A worker with a one-rung ladder: nowhere to go. */
    Fallback NONE = (current, cause) -> Optional.empty();
}
