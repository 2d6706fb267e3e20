package io.gemmafleet.worker;

import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import java.util.List;

/** Runs a batch of requests to completion; results in request order. The seam where resilience guards attach. */
@FunctionalInterface
public interface InferenceRuntime {

    List<GenerationResult> generate(List<GenerationRequest> batch);
}
