package io.gemmafleet.model.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads chat messages in the OpenAI-style JSON shape: {@code [{"role": "user", "content": "text"}]}, where
 * {@code content} may also be a list of parts ({@code {"type": "text", "text": ...}}, {@code {"type": "image"}}
 * or {@code {"type": "image_url", ...}}). Errors name the offending element.
 */
public final class ChatMessagesJson {

    private ChatMessagesJson() {}

    public static List<ChatMessage> parse(JsonNode messages) {
        if (messages == null || !messages.isArray()) {
            throw new ChatTemplateException("messages must be a JSON array of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new ChatTemplateException(where + " needs a string \"role\"");
            }
            out.add(new ChatMessage(m.get("role").asText(), parts(m.get("content"), where + ".content")));
        }
        return out;
    }

    private static List<ContentPart> parts(JsonNode content, String where) {
        if (content != null && content.isTextual()) {
            return List.of(new ContentPart.Text(content.asText()));
        }
        if (content == null || !content.isArray()) {
            throw new ChatTemplateException(where + " must be a string or a list of parts");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> {
                    if (!part.path("text").isTextual()) {
                        throw new ChatTemplateException(where + "[" + i + "] of type text needs a string \"text\"");
                    }
                    parts.add(new ContentPart.Text(part.get("text").asText()));
                }
                case "image", "image_url" -> parts.add(new ContentPart.Image());
                default -> throw new ChatTemplateException(
                        where + "[" + i + "] has unknown type \"" + type + "\" (text, image, image_url)");
            }
        }
        return parts;
    }
}
