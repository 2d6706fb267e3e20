package io.gemmafleet.schemas;

/** The stable {@code error.code} values of failed and expired results; clients may switch on them. */
public final class ErrorCodes {

    /** The record is not JSON at all. */
    public static final String INVALID_JSON = "invalid_json";
    /** JSON that breaks the job-request schema; the message names the field. */
    public static final String INVALID_REQUEST = "invalid_request";
    /** A schema_version this worker does not know. */
    public static final String UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version";
    /**
     * The cheap guard before tokenizing: the prompt's characters (or the record's bytes) exceed a size limit, so the
     * job is refused without counting tokens. For the exact token-count check see {@link #CONTEXT_LENGTH_EXCEEDED}.
     */
    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    /**
     * The tokenized prompt does not fit the context the worker can serve (and the request did not ask for
     * {@code "truncate": "left"}); the message names both numbers, the prompt's tokens and the context limit.
     */
    public static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    /** Input the serving model cannot take (an image for a text-only runtime). */
    /**
     * An image or video the worker cannot use: undecodable, truncated, of another type than declared, over the size
     * or pixel limits. Retrying the same job cannot help.
     */
    public static final String INVALID_MEDIA = "invalid_media";
    public static final String UNSUPPORTED_INPUT = "unsupported_input";
    /** The deadline passed before inference started. */
    public static final String DEADLINE_EXCEEDED = "deadline_exceeded";
    /** The runtime failed on this job after retries. */
    public static final String RUNTIME_ERROR = "runtime_error";
    /** The job was delivered more times than the delivery limit allows (it kept crashing workers). */
    public static final String DELIVERY_LIMIT = "delivery_limit_exceeded";

    private ErrorCodes() {}
}
