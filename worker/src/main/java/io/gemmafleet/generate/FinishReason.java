package io.gemmafleet.generate;

/** Why generation ended. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The request's token limit. */
    LENGTH,
    /** Cancelled by its submitter; the text so far is kept. */
    CANCELLED,
    /** Its deadline passed before it finished; the text so far is kept. */
    DEADLINE,
    /** Prompt plus token limit can no longer fit the context the engine serves (after a fallback to a shorter one). */
    CONTEXT_LENGTH_EXCEEDED;

    /** The name used in results and JSON, e.g. {@code stop}, {@code length}, {@code cancelled}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
