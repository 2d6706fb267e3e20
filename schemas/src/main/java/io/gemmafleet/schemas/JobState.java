package io.gemmafleet.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A job's progress as status events report it: two non-terminal states, then one of the terminal ones. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this != QUEUED && this != RUNNING;
    }
}
