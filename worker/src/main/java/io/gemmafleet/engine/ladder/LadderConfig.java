package io.gemmafleet.engine.ladder;

import io.gemmafleet.backend.MemoryBudget;
import java.util.List;
import java.util.OptionalLong;

/**
 * A worker's model ladder as configured: the models to try in order (largest first, say 27B bf16 then 27B QAT
 * Q4_0), the context it would like, the shortest it accepts, and how its memory budget is found.
 *
 * @param models model references in ladder order (paths, Hugging Face folders, {@code ollama:} references)
 * @param desiredContext the context length to serve when memory allows
 * @param floorContext the shortest context halving may reach (1 ≤ floor ≤ desired)
 * @param memoryBudget a configured budget in bytes: the budget on the CPU, a cap on a GPU's measured one
 * @param gpuUtilisation the fraction of a GPU's free memory to plan into, in (0, 1]
 */
public record LadderConfig(List<String> models, int desiredContext, int floorContext, OptionalLong memoryBudget,
                           double gpuUtilisation) {

    /** The default floor when none is given: 2048, or the desired context when that is shorter. */
    public static final int DEFAULT_FLOOR = 2048;

    public static final double DEFAULT_GPU_UTILISATION = 0.90;

    public LadderConfig {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("the model ladder is empty");
        }
        if (desiredContext <= 0) {
            throw new IllegalArgumentException("context " + desiredContext + " must be positive");
        }
        if (floorContext <= 0 || floorContext > desiredContext) {
            throw new IllegalArgumentException("context floor " + floorContext + " must be in 1.." + desiredContext
                    + " (the desired context)");
        }
        if (memoryBudget.isPresent() && memoryBudget.getAsLong() <= 0) {
            throw new IllegalArgumentException("memory budget " + memoryBudget.getAsLong() + " must be positive");
        }
        MemoryBudget.checkUtilisation(gpuUtilisation);
    }

    /** {@link #DEFAULT_FLOOR}, or {@code desiredContext} when that is shorter. */
    public static int defaultFloor(int desiredContext) {
        return Math.min(DEFAULT_FLOOR, desiredContext);
    }
}
