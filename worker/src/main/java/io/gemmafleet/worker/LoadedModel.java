package io.gemmafleet.worker;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.engine.EngineConfig;

/**
 * A model ready to serve: its executor, how the engine should schedule it, how results name it, and what to close
 * with it (the mapped checkpoint).
 *
 * @param rungIndex its position on the worker's fallback ladder (0 = the first choice)
 */
public record LoadedModel(ModelExecutor executor, EngineConfig engine, ServedModel served, int rungIndex,
                          AutoCloseable resources) implements AutoCloseable {

    /** Closes the executor, then the resources; failures are swallowed (the worker goes on with another model). */
    @Override
    public void close() {
        try {
            executor.close();
        } catch (RuntimeException ignored) {
            // closing a failed executor may fail too; its memory is what matters, and it is released either way
        }
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception ignored) {
                // as above
            }
        }
    }
}
