package io.gemmafleet.backend;

/**
 * An executor that keeps each sequence's cache itself ran out of cache blocks for a step. The engine answers by
 * suspending a sequence (to be recomputed later) and running the step again.
 */
public class KvCacheFullException extends RuntimeException {

    public KvCacheFullException(String message) {
        super(message);
    }
}
