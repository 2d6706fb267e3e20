package io.gemmafleet.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One inference job (schema {@code job-request.schema.json}): exactly one of {@code messages} and {@code prompt};
 * the other fields are optional. Instances made by {@link JobCodec#decodeRequest} have passed schema validation.
 *
 * @param jobId fleet-wide unique; the Kafka key of the job and of its result
 * @param clientJobId the client's own id, echoed in the result
 * @param prompt raw prompt text, fed without a chat template
 * @param priority 0..9, lower value runs first (as vLLM's priority); null = {@link #DEFAULT_PRIORITY}
 * @param deadline after it the job is answered {@code expired} without inference; null = none
 * @param submittedAt when the client submitted it (start of queue wait); null = the record's timestamp
 * @param truncate what to do with a prompt longer than the worker's context; null = {@link Truncation#NONE}
 *     (fail with {@link ErrorCodes#CONTEXT_LENGTH_EXCEEDED}); {@link Truncation#LEFT} keeps the last tokens
 * @param panAndScan whether the worker also encodes pan-and-scan crops of large or non-square images; null = the
 *     worker's default
 */
public record JobRequest(int schemaVersion, String jobId, String clientJobId, List<Message> messages, String prompt,
                         Sampling sampling, Integer priority, Instant deadline, Instant submittedAt,
                         Truncation truncate, Boolean panAndScan) {

    /** The priority of a job that gives none: the middle of 0..9, where lower values run first. */
    public static final int DEFAULT_PRIORITY = 5;

    public JobRequest {
        Objects.requireNonNull(jobId, "jobId");
        messages = messages == null ? null : List.copyOf(messages);
    }

    /** The request without a {@code pan_and_scan} field (the worker's default applies). */
    public JobRequest(int schemaVersion, String jobId, String clientJobId, List<Message> messages, String prompt,
                      Sampling sampling, Integer priority, Instant deadline, Instant submittedAt,
                      Truncation truncate) {
        this(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline, submittedAt,
                truncate, null);
    }

    /** The request without a {@code truncate} field (it defaults to {@link Truncation#NONE}). */
    public JobRequest(int schemaVersion, String jobId, String clientJobId, List<Message> messages, String prompt,
                      Sampling sampling, Integer priority, Instant deadline, Instant submittedAt) {
        this(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline, submittedAt, null,
                null);
    }

    /** A chat job of one user message, schema version 1, no deadline. */
    public static JobRequest chat(String jobId, String userText, Sampling sampling) {
        return new JobRequest(JobCodec.SCHEMA_VERSION, jobId, null, List.of(Message.user(userText)), null, sampling,
                null, null, null);
    }

    /** A raw-prompt job, schema version 1, no deadline. */
    public static JobRequest rawPrompt(String jobId, String prompt, Sampling sampling) {
        return new JobRequest(JobCodec.SCHEMA_VERSION, jobId, null, null, prompt, sampling, null, null, null);
    }

    public JobRequest withDeadline(Instant deadline) {
        return new JobRequest(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline,
                submittedAt, truncate, panAndScan);
    }

    public JobRequest withSubmittedAt(Instant at) {
        return new JobRequest(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline, at,
                truncate, panAndScan);
    }

    /** This request with {@code priority} (0..9, lower runs first; null = {@link #DEFAULT_PRIORITY}). */
    public JobRequest withPriority(Integer priority) {
        return new JobRequest(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline,
                submittedAt, truncate, panAndScan);
    }

    /** This request with {@code truncate} (null = {@link Truncation#NONE}). */
    public JobRequest withTruncate(Truncation truncate) {
        return new JobRequest(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline,
                submittedAt, truncate, panAndScan);
    }

    /** This request with {@code pan_and_scan} (null = the worker's default). */
    public JobRequest withPanAndScan(Boolean panAndScan) {
        return new JobRequest(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline,
                submittedAt, truncate, panAndScan);
    }

    /** Whether any message carries an image or a video: such jobs go on the image topic. */
    public boolean hasImage() {
        return messages != null && messages.stream().anyMatch(Message::hasImage);
    }

    /** Whether the deadline, if any, has passed at {@code now}. */
    public boolean isExpiredAt(Instant now) {
        return deadline != null && !now.isBefore(deadline);
    }

    /** The sampling parameters with absent fields filled from {@link Sampling#DEFAULTS}. */
    public Sampling effectiveSampling() {
        return sampling == null ? Sampling.DEFAULTS : sampling.orDefaults(Sampling.DEFAULTS);
    }

    /** The priority, {@link #DEFAULT_PRIORITY} when absent; lower values run first (as vLLM's priority). */
    public int effectivePriority() {
        return priority == null ? DEFAULT_PRIORITY : priority;
    }

    /** The truncation mode, {@link Truncation#NONE} when absent. */
    public Truncation effectiveTruncation() {
        return truncate == null ? Truncation.NONE : truncate;
    }

    /** Whether a prompt too long for the context should lose its first tokens instead of failing the job. */
    public boolean truncatesLeft() {
        return truncate == Truncation.LEFT;
    }
}
