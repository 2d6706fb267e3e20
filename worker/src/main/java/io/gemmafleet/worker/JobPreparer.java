package io.gemmafleet.worker;

import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.media.MediaException;
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
import io.gemmafleet.worker.vision.ImageEncodingStage;
import io.gemmafleet.worker.vision.VisionServing;
import java.time.Instant;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Turns a received record into something the engine can act on: a tokenized request ready to run (its prompt cut
 * from the left if it asked for that and does not fit), an expired or already cancelled job (answered without
 * inference), or a refused one with a stable error code (malformed, invalid, longer than the context, unsupported,
 * delivered too often). Never throws for bad input: a poison record is an outcome.
 */
public final class JobPreparer {

    /** What to do with one record. */
    public sealed interface Prepared {
        IncomingJob job();

        /** The id its result is keyed by: the job's id, else the record key, else its coordinates. */
        String jobId();

        /** The decoded request; null for a record that could not be decoded. */
        JobRequest request();

        default String clientJobId() {
            return request() == null ? null : request().clientJobId();
        }

        /** When the client submitted the job: its {@code submitted_at}, else the record's timestamp. */
        default Instant submittedAt() {
            JobRequest r = request();
            return r != null && r.submittedAt() != null ? r.submittedAt() : Instant.ofEpochMilli(job().timestampMs());
        }
    }

    /**
     * @param truncatedTokens prompt tokens cut from the left to fit the context (the request allowed it), or 0
     * @param images the prompt's images, still to be encoded into its placeholder spans; null for a text job
     */
    public record Ready(IncomingJob job, JobRequest request, int[] promptIds, SamplingParams params,
                        int truncatedTokens, ImageEncodingStage.Job images) implements Prepared {
        public Ready(IncomingJob job, JobRequest request, int[] promptIds, SamplingParams params,
                     int truncatedTokens) {
            this(job, request, promptIds, params, truncatedTokens, null);
        }

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

    /** Cancelled by its submitter before it started: answered without inference. */
    public record Cancelled(IncomingJob job, JobRequest request) implements Prepared {
        @Override
        public String jobId() {
            return request.jobId();
        }
    }

    /**
     * @param request the decoded request, or null when the record itself is malformed
     * @param deadLetter whether the record also goes to the dead-letter topic (it can never succeed as sent)
     */
    public record Refused(IncomingJob job, String jobId, JobRequest request, String code, String message,
                          boolean deadLetter) implements Prepared {}

    private final JobCodec codec;
    private final GemmaTokenizer tokenizer;
    private final ChatTemplate template = new ChatTemplate();
    private final IntSupplier contextLimit;
    private final int deliveryLimit;
    private final Predicate<String> cancelled;
    private final VisionServing images;

    /**
     * @param contextLimit the context the worker serves now (it shrinks when the fallback ladder steps down)
     * @param deliveryLimit the delivery on which a job is given up (failed + dead letter) instead of run; 0 = none
     * @param cancelled whether a job id has been cancelled by its submitter
     * @param images how to read images, or null for a text-only worker (image jobs are then refused)
     */
    public JobPreparer(JobCodec codec, GemmaTokenizer tokenizer, IntSupplier contextLimit, int deliveryLimit,
                       Predicate<String> cancelled, VisionServing images) {
        this.codec = codec;
        this.tokenizer = tokenizer;
        this.contextLimit = contextLimit;
        this.deliveryLimit = deliveryLimit;
        this.cancelled = cancelled;
        this.images = images;
    }

    /** A text-only preparer. */
    public JobPreparer(JobCodec codec, GemmaTokenizer tokenizer, IntSupplier contextLimit, int deliveryLimit,
                       Predicate<String> cancelled) {
        this(codec, tokenizer, contextLimit, deliveryLimit, cancelled, null);
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
        if (request.jobId() != null && cancelled.test(request.jobId())) {
            return new Cancelled(job, request);
        }
        if (request.hasImage() && images == null) {
            return refuse(job, request, ErrorCodes.UNSUPPORTED_INPUT,
                    "this worker's runtime is text-only: image parts need a vision-capable worker", false);
        }
        SamplingParams params;
        try {
            params = toParams(request.effectiveSampling());
        } catch (IllegalArgumentException e) {
            return refuse(job, request, ErrorCodes.INVALID_REQUEST, "$.sampling: " + e.getMessage(), true);
        }
        int context = contextLimit.getAsInt();
        String text = request.prompt() != null ? request.prompt() : null;
        // Cheap guard before tokenizing: no tokenizer yields fewer tokens than characters / 32.
        long chars = text != null ? text.length() : request.messages().stream().flatMap(m -> m.content().stream())
                .mapToLong(p -> p instanceof ContentPart.Text t ? t.text().length() : 0).sum();
        if (chars > 32L * context && !request.truncatesLeft()) {
            return refuse(job, request, ErrorCodes.PROMPT_TOO_LONG, "prompt of " + chars
                    + " characters cannot fit the context limit of " + context + " tokens", true);
        }
        if (request.hasImage()) {
            return prepareWithImages(job, request, params, context);
        }
        int[] ids;
        try {
            ids = text != null ? tokenizer.encode(text, true)
                    : tokenizer.encode(template.render(toChat(request.messages()), true), false);
        } catch (RuntimeException e) {
            return refuse(job, request, ErrorCodes.INVALID_REQUEST, "$.messages: " + e.getMessage(), true);
        }
        if (ids.length + params.maxTokens() <= context) {
            return new Ready(job, request, ids, params, 0);
        }
        int room = context - params.maxTokens();
        if (!request.truncatesLeft() || room < 2) {
            return refuse(job, request, ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "the prompt's " + ids.length
                    + " tokens plus max_tokens " + params.maxTokens() + " need " + (ids.length + params.maxTokens())
                    + " positions; this worker serves a context of " + context
                    + (request.truncatesLeft() ? " (too small to truncate into)" : " (set truncate: left to cut the "
                    + "prompt from the left)"), false);
        }
        int[] kept = truncateLeft(ids, room, tokenizer.bosId());
        return new Ready(job, request, kept, params, ids.length - kept.length);
    }

    /**
     * A job with images or videos: each is decoded and pre-processed (a bad one refuses the job as
     * {@link ErrorCodes#INVALID_MEDIA}), the prompt gets each picture's text and soft-token placeholders, and the
     * images wait in the {@link Ready} to be encoded with other jobs'. Left truncation may drop text before the
     * first image, never part of an image.
     */
    private Prepared prepareWithImages(IncomingJob job, JobRequest request, SamplingParams params, int context) {
        VisionServing.ImageChat chat;
        try {
            chat = images.render(request.messages(), request.panAndScan());
        } catch (MediaException e) {
            return refuse(job, request, ErrorCodes.INVALID_MEDIA, e.getMessage(), true);
        } catch (RuntimeException e) {
            return refuse(job, request, ErrorCodes.INVALID_REQUEST, "$.messages: " + e.getMessage(), true);
        }
        int[] ids = chat.ids();
        int[] starts = chat.images().starts();
        int count = chat.images().images().size();
        int imageTokens = count * images.prompt().tokensPerImage();
        if (ids.length + params.maxTokens() <= context) {
            return new Ready(job, request, ids, params, 0, chat.images());
        }
        int room = context - params.maxTokens();
        int bos = ids[0] == tokenizer.bosId() ? 1 : 0;
        int cut = ids.length - (room - bos); // the first kept token after BOS
        // The first image's <start_of_image> sits just before its first soft token; keep it and all after it.
        boolean keepsImages = request.truncatesLeft() && room >= 2 && cut <= starts[0] - 1;
        if (!keepsImages) {
            return refuse(job, request, ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "the prompt's " + ids.length
                    + " tokens (" + imageTokens + " of them for " + count + " images) plus max_tokens "
                    + params.maxTokens() + " need " + (ids.length + params.maxTokens())
                    + " positions; this worker serves a context of " + context
                    + (request.truncatesLeft() ? " (left truncation never cuts into images)"
                    : " (set truncate: left to cut text from the left)"), false);
        }
        int[] kept = truncateLeft(ids, room, tokenizer.bosId());
        int shift = ids.length - kept.length;
        int[] keptStarts = new int[starts.length];
        for (int i = 0; i < starts.length; i++) {
            keptStarts[i] = starts[i] - shift;
        }
        return new Ready(job, request, kept, params, shift,
                new ImageEncodingStage.Job(chat.images().images(), keptStarts));
    }

    /**
     * The last {@code room} tokens of a prompt, keeping its beginning-of-sequence token in front when it had one:
     * Gemma's outputs degrade badly without it.
     */
    static int[] truncateLeft(int[] ids, int room, int bosId) {
        boolean bos = ids.length > 0 && ids[0] == bosId;
        int[] kept = new int[room];
        int from = bos ? 1 : 0;
        if (bos) {
            kept[0] = ids[0];
        }
        System.arraycopy(ids, ids.length - (room - from), kept, from, room - from);
        return kept;
    }

    private static Refused refuse(IncomingJob job, JobRequest r, String code, String message, boolean deadLetter) {
        return new Refused(job, r.jobId(), r, code, message, deadLetter);
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
