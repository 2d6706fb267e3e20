package io.gemmafleet.worker;

import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import java.util.List;

/**
 * What the worker loop drives: a continuously batching engine over the model it currently serves. Requests are
 * submitted as they arrive and come back, finished for any reason, from the {@link #step} that ended them.
 *
 * <p>Only the worker's inference thread calls these methods, except {@link #cancel}, which any thread may call.
 */
public interface InferenceRuntime {

    /** Queues a request; its id must be unique among the requests held. */
    void submit(GenerationRequest request);

    /** Asks to end a held request as cancelled (thread-safe); unknown ids are ignored. */
    void cancel(long requestId);

    /**
     * Runs one engine iteration (at most one forward step).
     *
     * @return the requests that ended in it; a step that throws leaves every held request as it was
     */
    List<GenerationResult> step();

    /** Whether no request is held. */
    boolean idle();

    /** Ends every held request at once (shutdown): their results, to be released rather than published. */
    List<GenerationResult> abandonAll();

    /** What serves the requests now: model, rung of the fallback ladder, context. */
    ServedModel served();

    /** The engine's counters and cache gauges, for metrics. */
    RuntimeStatus status();
}
