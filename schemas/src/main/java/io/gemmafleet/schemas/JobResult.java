package io.gemmafleet.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * The terminal outcome of one job (schema {@code job-result.schema.json}), keyed by {@code jobId} on the compacted
 * results topic. Succeeded results carry text, finish reason and usage; failed ones an {@link JobError}.
 *
 * @param finishReason {@code stop} or {@code length} (succeeded only)
 * @param servedBy which worker, model, variant and context limit produced it (null when no worker saw it)
 * @param deliveryAttempt which delivery of the job produced it (1 = first); null when unknown
 */
public record JobResult(int schemaVersion, String jobId, String clientJobId, JobStatus status, String text,
                        String finishReason, Usage usage, Timings timings, ServedBy servedBy, JobError error,
                        Integer deliveryAttempt, Instant completedAt) {

    public JobResult {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(completedAt, "completedAt");
    }

    /** Token counts. */
    public record Usage(int promptTokens, int completionTokens) {}

    /** Milliseconds: submission to batch start, batch start to first token, submission to result. */
    public record Timings(Long queuedMs, Long firstTokenMs, Long totalMs) {}

    /** What served the job; {@code randomWeights} marks a test model whose text is meaningless. */
    public record ServedBy(String workerId, String model, String modelVariant, Integer contextLimit,
                           Boolean randomWeights) {}

    /** Why a job failed: a stable code from {@link ErrorCodes} and a human-readable message. */
    public record JobError(String code, String message) {}

    public boolean isTerminal() {
        return true;
    }
}
