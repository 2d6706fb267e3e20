package io.gemmafleet.gateway.submit;

/** A submission larger than the job topics accept ({@code max.message.bytes}); rejected before any send. */
public final class PayloadTooLargeException extends Exception {

    private final long limit;

    public PayloadTooLargeException(long limit) {
        super("a job may be at most " + limit + " bytes of JSON");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
