package io.gemmafleet.gateway.submit;

/** A job could not be written durably within the send timeout; the caller must not report it accepted. */
public final class KafkaUnavailableException extends Exception {

    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
