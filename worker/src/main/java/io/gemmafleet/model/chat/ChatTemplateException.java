package io.gemmafleet.model.chat;

/** A conversation that Gemma 3's chat template cannot render, with the reason. */
public final class ChatTemplateException extends IllegalArgumentException {

    public ChatTemplateException(String message) {
        super(message);
    }
}
