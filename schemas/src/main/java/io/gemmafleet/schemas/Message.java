package io.gemmafleet.schemas;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.List;
import java.util.Objects;

/**
 * One chat message; on the wire {@code content} is a string or a list of parts, in Java always a list of parts
 * (a string becomes one {@link ContentPart.Text}).
 */
public record Message(String role, @JsonDeserialize(using = ContentDeserializer.class) List<ContentPart> content) {

    public Message {
        Objects.requireNonNull(role, "role");
        content = List.copyOf(content);
    }

    public static Message user(String text) {
        return new Message("user", List.of(new ContentPart.Text(text)));
    }

    /** Whether a part is an image or a video (a video is images too): such messages go on the image topic. */
    public boolean hasImage() {
        return content.stream().anyMatch(p -> p instanceof ContentPart.Image || p instanceof ContentPart.Video);
    }
}
