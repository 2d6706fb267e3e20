package io.gemmafleet.generate;

/** Why generation ended: an end-of-generation token or stop string ({@code stop}), or the token limit ({@code length}). */
public enum FinishReason {
    STOP,
    LENGTH;

    /** The name used in results and JSON: {@code stop} or {@code length}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
