package io.gemmafleet.model.tokenizer;

/** Thrown when a tokenizer file declares a model or pipeline step this package does not implement. */
public final class UnsupportedTokenizerException extends IllegalArgumentException {

    public UnsupportedTokenizerException(String message) {
        super(message);
    }
}
