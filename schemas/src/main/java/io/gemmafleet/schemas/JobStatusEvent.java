package io.gemmafleet.schemas;

import java.time.Instant;
import java.util.Objects;

/** A progress event of a job (schema {@code job-status-event.schema.json}); informative, never the outcome. */
public record JobStatusEvent(int schemaVersion, String jobId, JobState state, String workerId, Instant at,
                             String detail) {

    public JobStatusEvent {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(at, "at");
    }

    public static JobStatusEvent of(String jobId, JobState state, String workerId, Instant at) {
        return new JobStatusEvent(JobCodec.SCHEMA_VERSION, jobId, state, workerId, at, null);
    }
}
