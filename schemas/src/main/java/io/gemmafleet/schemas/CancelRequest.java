package io.gemmafleet.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A request to cancel one job (schema {@code cancel-request.schema.json}), published on the cancel topic
 * ({@link FleetTopics#cancel()}) keyed by {@code jobId}. Every worker reads every cancel: a worker that holds the
 * job, queued or running, ends it {@code cancelled} with the text generated so far; the others ignore it. A cancel
 * for a job that already has a result changes nothing.
 *
 * @param requestedAt when it was requested; null = the record's timestamp
 * @param reason free text for logs and the cancelled result's message; null = none given
 */
public record CancelRequest(int schemaVersion, String jobId, Instant requestedAt, String reason) {

    public CancelRequest {
        Objects.requireNonNull(jobId, "jobId");
    }

    /** A cancel of {@code jobId} at {@code at}, schema version 1. */
    public static CancelRequest of(String jobId, Instant at, String reason) {
        return new CancelRequest(JobCodec.SCHEMA_VERSION, jobId, at, reason);
    }
}
