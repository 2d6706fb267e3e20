package io.gemmafleet.model.chat;

import java.util.Objects;

/** One part of a chat message's content: text, or the place where an image goes. */
public sealed interface ContentPart {

    /** A piece of text ({@code {"type": "text", "text": ...}}). */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** An image ({@code {"type": "image"}}); the template writes {@code <start_of_image>} where it goes. */
    record Image() implements ContentPart {}

    static ContentPart text(String text) {
        return new Text(text);
    }

    static ContentPart image() {
        return new Image();
    }
}
