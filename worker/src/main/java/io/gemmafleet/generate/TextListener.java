package io.gemmafleet.generate;

/** Receives generated text as soon as it is safe to show: whole characters, never part of a stop string. */
@FunctionalInterface
public interface TextListener {

    void onText(long requestId, String text);

    TextListener NONE = (id, text) -> {};
}
