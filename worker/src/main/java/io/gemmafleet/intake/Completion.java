package io.gemmafleet.intake;

/** How a job left the worker; the intake turns it into an acknowledgement or an offset commit. */
public enum Completion {
    /** Its terminal result is on the results topic: acknowledge (share) / may be committed (classic). */
    DONE,
    /** Unprocessable; its failed result and dead-letter record are written: reject (share) / may be committed. */
    REJECTED,
    /** Not processed (drain ran out of time): release for redelivery (share) / never committed (classic). */
    RELEASED
}
