package io.gemmafleet.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Finds every image payload in a job document (image parts, OpenAI {@code image_url} parts, video frames, video
 * clips) with the JSON path of its field, so the codec can check inline data and the gateway can apply its limits
 * and replace an allowed URL by the bytes it fetched. Works on the JSON tree, not the records, so paths name the
 * field as the client wrote it.
 */
public final class MediaPayloads {

    private MediaPayloads() {}

    /** What a payload is: an image (ours or OpenAI's form), one frame of a video, or a whole video clip. */
    public enum Kind { IMAGE, VIDEO_FRAME, VIDEO_CLIP }

    /**
     * One payload: {@code holder.get(field)} is its URL or data.
     *
     * @param path JSON path of the field, e.g. {@code $.messages[0].content[1].image_url.url}
     * @param declaredMediaType the {@code media_type} written beside it, or null
     */
    public record Payload(Kind kind, String path, ObjectNode holder, String field, String declaredMediaType,
                          boolean openAiForm) {

        /** The URL or data as written. */
        public String value() {
            return holder.get(field).asText();
        }

        /** Whether the bytes are in the document (base64 or a data URI) rather than behind a URL. */
        public boolean inline() {
            return field.equals("data") || InlineMedia.isDataUri(value());
        }

        /**
         * Replaces this payload's URL by {@code bytes}: {@code data} + {@code media_type} in our form, a data URI
         * in OpenAI's (its own way of writing inline images).
         */
        public void replaceWithData(byte[] bytes, String mediaType) {
            String b64 = Base64.getEncoder().encodeToString(bytes);
            if (openAiForm) {
                holder.put(field, "data:" + (mediaType == null ? "" : mediaType) + ";base64," + b64);
                return;
            }
            holder.remove("url");
            holder.put("data", b64);
            if (mediaType != null) {
                holder.put("media_type", mediaType);
            }
        }
    }

    /** Every payload of {@code job} in document order; parts of the wrong shape are skipped (the schema says why). */
    public static List<Payload> of(JsonNode job) {
        List<Payload> out = new ArrayList<>();
        JsonNode messages = job.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode content = messages.get(i).path("content");
            for (int j = 0; content.isArray() && j < content.size(); j++) {
                if (content.get(j) instanceof ObjectNode part) {
                    collect(part, "$.messages[" + i + "].content[" + j + "]", out);
                }
            }
        }
        return out;
    }

    private static void collect(ObjectNode part, String at, List<Payload> out) {
        switch (part.path("type").asText("")) {
            case "image" -> add(Kind.IMAGE, part, at, false, out);
            case "image_url" -> {
                if (part.get("image_url") instanceof ObjectNode url && url.path("url").isTextual()) {
                    out.add(new Payload(Kind.IMAGE, at + ".image_url.url", url, "url", null, true));
                }
            }
            case "video" -> {
                if (part.path("data").isTextual()) {
                    out.add(new Payload(Kind.VIDEO_CLIP, at + ".data", part, "data", text(part, "media_type"), false));
                }
                JsonNode frames = part.path("frames");
                for (int k = 0; frames.isArray() && k < frames.size(); k++) {
                    if (frames.get(k) instanceof ObjectNode frame) {
                        add(Kind.VIDEO_FRAME, frame, at + ".frames[" + k + "]", false, out);
                    }
                }
            }
            default -> { }
        }
    }

    private static void add(Kind kind, ObjectNode holder, String at, boolean openAi, List<Payload> out) {
        String field = holder.path("data").isTextual() ? "data" : holder.path("url").isTextual() ? "url" : null;
        if (field != null) {
            out.add(new Payload(kind, at + "." + field, holder, field, text(holder, "media_type"), openAi));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /**
     * What the schema cannot say: inline data that is not base64 or a well-formed data URI, and video frames out
     * of time order. Empty when all is well.
     */
    static List<Violation> check(JsonNode job) {
        List<Violation> out = new ArrayList<>();
        for (Payload p : of(job)) {
            if (p.inline()) {
                try {
                    InlineMedia.decode(p.value(), p.declaredMediaType());
                } catch (IllegalArgumentException e) {
                    out.add(new Violation(p.path(), e.getMessage()));
                }
            }
        }
        JsonNode messages = job.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode content = messages.get(i).path("content");
            for (int j = 0; content.isArray() && j < content.size(); j++) {
                JsonNode frames = content.get(j).path("frames");
                for (int k = 1; frames.isArray() && k < frames.size(); k++) {
                    double before = frames.get(k - 1).path("timestamp").asDouble();
                    double t = frames.get(k).path("timestamp").asDouble();
                    if (t < before) {
                        out.add(new Violation("$.messages[" + i + "].content[" + j + "].frames[" + k + "].timestamp",
                                t + " s is earlier than the frame before it (" + before
                                        + " s); frames go in time order"));
                    }
                }
            }
        }
        return out;
    }
}
