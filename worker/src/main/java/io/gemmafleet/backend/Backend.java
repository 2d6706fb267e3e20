package io.gemmafleet.backend;

import io.gemmafleet.model.Gemma3Weights;

/** A kind of hardware that can run a Gemma 3 model: it turns loaded weights into an executor. */
public interface Backend {

    /** Short name, as given to {@code --backend}. */
    String name();

    /** Makes the model resident on this backend. The weights must outlive the executor. */
    ModelExecutor open(Gemma3Weights weights, ExecutorOptions options);
}
