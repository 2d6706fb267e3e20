package io.gemmafleet.schemas;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a worker does with a prompt that does not fit its context (job request field {@code truncate}):
 * {@link #NONE} fails the job with {@link ErrorCodes#CONTEXT_LENGTH_EXCEEDED}; {@link #LEFT} drops tokens from the
 * start of the prompt and keeps the last ones, recording how many it dropped in
 * {@link JobResult.Usage#truncatedPromptTokens()}.
 */
public enum Truncation {
    NONE, LEFT;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
