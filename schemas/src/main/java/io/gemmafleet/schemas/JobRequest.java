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
 * @param priority 0..9, null = {@link #DEFAULT_PRIORITY}
 * @param deadline after it the job is answered {@code expired} without inference; null = none
 * @param submittedAt when the client submitted it (start of queue wait); null = the record's timestamp
 */
public record JobRequest(int schemaVersion, String jobId, String clientJobId, List<Message> messages, String prompt,
                         Sampling sampling, Integer priority, Instant deadline, Instant submittedAt) {

    public static final int DEFAULT_PRIORITY = 5;

    public JobRequest {
        Objects.requireNonNull(jobId, "jobId");
        messages = messages == null ? null : List.copyOf(messages);
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
                submittedAt);
    }

    public JobRequest withSubmittedAt(Instant at) {
        return new JobRequest(schemaVersion, jobId, clientJobId, messages, prompt, sampling, priority, deadline, at);
    }

    /** Whether any message carries an image: such jobs go on the image topic. */
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

    public int effectivePriority() {
        return priority == null ? DEFAULT_PRIORITY : priority;
    }
}
