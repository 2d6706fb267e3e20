package io.gemmafleet.worker;

import io.gemmafleet.schemas.JobResult;

/** What this worker serves, as every result reports it; {@code randomWeights} labels test models. */
public record ServedModel(String workerId, String model, String variant, int contextLimit, boolean randomWeights) {

    public JobResult.ServedBy servedBy() {
        return new JobResult.ServedBy(workerId, model, variant, contextLimit, randomWeights);
    }
}
