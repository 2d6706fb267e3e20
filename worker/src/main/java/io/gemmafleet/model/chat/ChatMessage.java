package io.gemmafleet.model.chat;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation: a role ({@code system}, {@code user}, {@code assistant} or {@code model}) and its
 * content as parts. Plain-text content is a single {@link ContentPart.Text}, which the template renders exactly as
 * it renders a string.
 */
public record ChatMessage(String role, List<ContentPart> content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = List.copyOf(content);
    }

    /** A message whose content is plain text. */
    public ChatMessage(String role, String text) {
        this(role, List.of(new ContentPart.Text(text)));
    }

    public static ChatMessage system(String text) {
        return new ChatMessage("system", text);
    }

    public static ChatMessage user(String text) {
        return new ChatMessage("user", text);
    }

    public static ChatMessage model(String text) {
        return new ChatMessage("model", text);
    }
}
