package io.gemmafleet.media;

/** A client's image could not be used; getMessage() is safe to return to the client. */
public final class MediaException extends Exception {

    public MediaException(String message) {
        super(message);
    }
}
