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

    /**
     * Token counts.
     *
     * @param promptTokens the prompt tokens the model actually read (after any truncation)
     * @param truncatedPromptTokens how many tokens {@code "truncate": "left"} dropped from the start of the prompt;
     *     null when nothing was cut
     */
    public record Usage(int promptTokens, int completionTokens, Integer truncatedPromptTokens) {

        /** Counts of a job whose prompt was not truncated. */
        public Usage(int promptTokens, int completionTokens) {
            this(promptTokens, completionTokens, null);
        }
    }

    /** Milliseconds: submission to batch start, batch start to first token, submission to result. */
    public record Timings(Long queuedMs, Long firstTokenMs, Long totalMs) {}

    /**
     * What served the job; {@code randomWeights} marks a test model whose text is meaningless.
     *
     * @param contextLimit the most tokens (prompt plus generated) the serving configuration allows per job
     * @param rung which rung of the worker's fallback ladder served it (e.g. a model path or variant and its
     *     settings, by name); null when the worker has no ladder or does not say
     */
    public record ServedBy(String workerId, String model, String modelVariant, Integer contextLimit,
                           Boolean randomWeights, String rung) {

        /** Without a fallback-ladder rung. */
        public ServedBy(String workerId, String model, String modelVariant, Integer contextLimit,
                        Boolean randomWeights) {
            this(workerId, model, modelVariant, contextLimit, randomWeights, null);
        }

        /** This with the fallback-ladder rung that served the job. */
        public ServedBy withRung(String rung) {
            return new ServedBy(workerId, model, modelVariant, contextLimit, randomWeights, rung);
        }
    }

    /** Why a job failed: a stable code from {@link ErrorCodes} and a human-readable message. */
    public record JobError(String code, String message) {}

    public boolean isTerminal() {
        return true;
    }
}
