package io.gemmafleet.schemas;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads message content written as a plain string or as a list of parts: ours ({@code text}, {@code image},
 * {@code video}) and OpenAI's {@code image_url}, which becomes an {@link ContentPart.Image}. A data URI written
 * where a URL goes is moved to {@code data}, so a reader of the records finds inline bytes in one place.
 */
final class ContentDeserializer extends JsonDeserializer<List<ContentPart>> {

    @Override
    public List<ContentPart> deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return List.of(new ContentPart.Text(p.getText()));
        }
        JsonNode content = ctx.readTree(p);
        if (!content.isArray()) {
            return ctx.reportInputMismatch(List.class, "content must be a string or a list of parts");
        }
        List<ContentPart> parts = new ArrayList<>(content.size());
        for (JsonNode part : content) {
            parts.add(part(part, ctx));
        }
        return parts;
    }

    private static ContentPart part(JsonNode part, DeserializationContext ctx) throws IOException {
        String type = part.path("type").asText("");
        return switch (type) {
            case "text" -> new ContentPart.Text(required(part, "text", ctx));
            case "image" -> image(text(part, "url"), text(part, "data"), text(part, "media_type"));
            case "image_url" -> image(required(part.path("image_url"), "url", ctx), null, null);
            case "video" -> new ContentPart.Video(frames(part.get("frames"), ctx), text(part, "data"),
                    text(part, "media_type"), part.hasNonNull("max_frames") ? part.get("max_frames").asInt() : null);
            default -> ctx.reportInputMismatch(ContentPart.class, "unknown content part type '%s'", type);
        };
    }

    private static ContentPart.Image image(String url, String data, String mediaType) {
        return InlineMedia.isDataUri(url) && data == null
                ? new ContentPart.Image(null, url, mediaType)
                : new ContentPart.Image(url, data, mediaType);
    }

    private static List<VideoFrame> frames(JsonNode frames, DeserializationContext ctx) throws IOException {
        if (frames == null || frames.isNull()) {
            return null;
        }
        List<VideoFrame> out = new ArrayList<>(frames.size());
        for (JsonNode f : frames) {
            ContentPart.Image img = image(text(f, "url"), text(f, "data"), text(f, "media_type"));
            if (!f.path("timestamp").isNumber()) {
                return ctx.reportInputMismatch(VideoFrame.class, "a video frame needs a numeric timestamp");
            }
            out.add(new VideoFrame(img.url(), img.data(), img.mediaType(), f.get("timestamp").asDouble()));
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String required(JsonNode node, String field, DeserializationContext ctx) throws IOException {
        String v = text(node, field);
        return v != null ? v : ctx.reportInputMismatch(String.class, "missing '%s'", field);
    }
}
