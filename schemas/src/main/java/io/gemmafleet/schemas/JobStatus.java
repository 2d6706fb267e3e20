package io.gemmafleet.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A job's terminal outcome; every job gets exactly one result with one of these. */
public enum JobStatus {
    SUCCEEDED, FAILED, CANCELLED, EXPIRED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
