package io.gemmafleet.engine.ladder;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;

/**
 * A planned rung made resident: its checkpoint (mapped; it must outlive the executor) and the executor opened at
 * the plan's context. Closing closes both, the executor first.
 */
public record OpenRung(LadderPlan plan, Checkpoint checkpoint, ModelExecutor executor) implements AutoCloseable {

    static OpenRung open(LadderPlan plan, Backend backend, int threads) {
        Checkpoint checkpoint = CheckpointLoader.load(plan.modelRef());
        try {
            if (!checkpoint.config().equals(plan.plan().rung().config())) {
                throw new IllegalStateException(plan.modelRef() + " changed since the ladder was planned");
            }
            ModelExecutor executor = backend.open(Gemma3Weights.from(checkpoint), plan.executorOptions(threads));
            return new OpenRung(plan, checkpoint, executor);
        } catch (RuntimeException | Error e) {
            checkpoint.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            executor.close();
        } finally {
            checkpoint.close();
        }
    }
}
