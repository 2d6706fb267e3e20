package io.gemmafleet.worker;

import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.Generator;
import io.gemmafleet.generate.TextListener;
import java.util.List;

/** The real runtime: one {@link Generator} batch per call, on the worker's single inference thread. */
public final class GeneratorRuntime implements InferenceRuntime {

    private final Generator generator;

    public GeneratorRuntime(Generator generator) {
        this.generator = generator;
    }

    @Override
    public List<GenerationResult> generate(List<GenerationRequest> batch) {
        return generator.generate(batch, TextListener.NONE);
    }
}
