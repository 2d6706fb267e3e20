package io.gemmafleet.worker;

import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.model.chat.ChatMessage;
import io.gemmafleet.model.chat.ChatTemplate;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.schemas.ContentPart;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.JobValidationException;
import io.gemmafleet.schemas.Message;
import io.gemmafleet.schemas.Sampling;
import java.time.Instant;
import java.util.List;

/**
 * Turns a received record into something the batch can act on: a tokenized request ready to run, an expired job
 * (deadline passed: answered without inference), or a refused one with a stable error code (malformed, invalid,
 * too long, unsupported, delivered too often). Never throws for bad input: a poison record is an outcome.
 */
public final class JobPreparer {

    /** What to do with one record. */
    public sealed interface Prepared {
        IncomingJob job();

        /** The id its result is keyed by: the job's id, else the record key, else its coordinates. */
        String jobId();
    }

    public record Ready(IncomingJob job, JobRequest request, int[] promptIds, SamplingParams params)
            implements Prepared {
        @Override
        public String jobId() {
            return request.jobId();
        }
    }

    public record Expired(IncomingJob job, JobRequest request) implements Prepared {
        @Override
        public String jobId() {
            return request.jobId();
        }
    }

    /** @param deadLetter whether the record also goes to the dead-letter topic (it can never succeed as sent) */
    public record Refused(IncomingJob job, String jobId, String clientJobId, String code, String message,
                          boolean deadLetter) implements Prepared {}

    private final JobCodec codec;
    private final GemmaTokenizer tokenizer;
    private final ChatTemplate template = new ChatTemplate();
    private final int contextLimit;
    private final int deliveryLimit;

    /** @param deliveryLimit the delivery on which a job is given up (failed + dead letter) instead of run; 0 = none */
    public JobPreparer(JobCodec codec, GemmaTokenizer tokenizer, int contextLimit, int deliveryLimit) {
        this.codec = codec;
        this.tokenizer = tokenizer;
        this.contextLimit = contextLimit;
        this.deliveryLimit = deliveryLimit;
    }

    public Prepared prepare(IncomingJob job, Instant now) {
        String fallbackId = job.key() != null && !job.key().isBlank() ? job.key() : job.coordinates();
        if (job.value() == null || job.value().length == 0) {
            return new Refused(job, fallbackId, null, ErrorCodes.INVALID_JSON, "$: empty record", true);
        }
        JobRequest request;
        try {
            request = codec.decodeRequest(job.value());
        } catch (JobValidationException e) {
            return new Refused(job, e.jobId() != null ? e.jobId() : fallbackId, null, e.code(), e.getMessage(), true);
        }
        if (deliveryLimit > 0 && job.deliveryCount() >= deliveryLimit) {
            return refuse(job, request, ErrorCodes.DELIVERY_LIMIT, "delivered " + job.deliveryCount()
                    + " times without a result (limit " + deliveryLimit + "): it keeps failing workers", true);
        }
        if (request.isExpiredAt(now)) {
            return new Expired(job, request);
        }
        if (request.hasImage()) {
            return refuse(job, request, ErrorCodes.UNSUPPORTED_INPUT,
                    "this worker's runtime is text-only: image parts need a vision-capable worker", false);
        }
        SamplingParams params;
        try {
            params = toParams(request.effectiveSampling());
        } catch (IllegalArgumentException e) {
            return refuse(job, request, ErrorCodes.INVALID_REQUEST, "$.sampling: " + e.getMessage(), true);
        }
        String text = request.prompt() != null ? request.prompt() : null;
        // Cheap guard before tokenizing: no tokenizer yields fewer tokens than characters / 32.
        long chars = text != null ? text.length() : request.messages().stream().flatMap(m -> m.content().stream())
                .mapToLong(p -> p instanceof ContentPart.Text t ? t.text().length() : 0).sum();
        if (chars > 32L * contextLimit) {
            return refuse(job, request, ErrorCodes.PROMPT_TOO_LONG, "prompt of " + chars
                    + " characters cannot fit the context limit of " + contextLimit + " tokens", true);
        }
        int[] ids;
        try {
            ids = text != null ? tokenizer.encode(text, true)
                    : tokenizer.encode(template.render(toChat(request.messages()), true), false);
        } catch (RuntimeException e) {
            return refuse(job, request, ErrorCodes.INVALID_REQUEST, "$.messages: " + e.getMessage(), true);
        }
        if (ids.length + params.maxTokens() > contextLimit) {
            return refuse(job, request, ErrorCodes.PROMPT_TOO_LONG, "prompt (" + ids.length
                    + " tokens) plus max_tokens " + params.maxTokens() + " exceeds the context limit "
                    + contextLimit, true);
        }
        return new Ready(job, request, ids, params);
    }

    private static Refused refuse(IncomingJob job, JobRequest r, String code, String message, boolean deadLetter) {
        return new Refused(job, r.jobId(), r.clientJobId(), code, message, deadLetter);
    }

    static SamplingParams toParams(Sampling s) {
        return new SamplingParams(s.temperature(), s.topK(), s.topP(), s.minP(), s.repetitionPenalty(),
                s.presencePenalty(), s.frequencyPenalty(), s.seed(), s.maxTokens(), s.stop(), 0);
    }

    private static List<ChatMessage> toChat(List<Message> messages) {
        return messages.stream().map(m -> new ChatMessage(m.role(), m.content().stream()
                .map(p -> p instanceof ContentPart.Text t
                        ? (io.gemmafleet.model.chat.ContentPart) new io.gemmafleet.model.chat.ContentPart.Text(t.text())
                        : new io.gemmafleet.model.chat.ContentPart.Image())
                .toList())).toList();
    }
}
