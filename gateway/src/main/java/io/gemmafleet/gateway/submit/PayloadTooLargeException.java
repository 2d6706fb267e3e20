package io.gemmafleet.gateway.submit;

/**
 * A submission larger than the gateway admits (max-request-bytes, at most the job topics' {@code max.message.bytes}),
 * as received or once its image URLs were inlined; rejected before any send.
 */
public final class PayloadTooLargeException extends Exception {

    private final long limit;

    public PayloadTooLargeException(long limit) {
        super("a job may be at most " + limit + " bytes of JSON, images inlined (max-request-bytes)");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
