package io.gemmafleet.worker;

import io.gemmafleet.schemas.JobResult;

/**
 * What this worker serves, as every result reports it; {@code randomWeights} labels test models.
 *
 * @param rung the fallback-ladder rung serving now (its checkpoint and format), or null for a one-model worker
 */
public record ServedModel(String workerId, String model, String variant, int contextLimit, boolean randomWeights,
                          String rung) {

    public ServedModel(String workerId, String model, String variant, int contextLimit, boolean randomWeights) {
        this(workerId, model, variant, contextLimit, randomWeights, null);
    }

    public JobResult.ServedBy servedBy() {
        return new JobResult.ServedBy(workerId, model, variant, contextLimit, randomWeights, rung);
    }
}
