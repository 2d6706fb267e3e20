package io.gemmafleet.schemas;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;

/** One part of a chat message's content: text, or an image given by URL or inline base64 data. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ContentPart.Text.class, name = "text"),
        @JsonSubTypes.Type(value = ContentPart.Image.class, name = "image")})
public sealed interface ContentPart {

    /** A piece of text. */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** An image: {@code url} or base64 {@code data} (with its {@code mediaType}). */
    record Image(String url, String data, String mediaType) implements ContentPart {
        public static Image ofUrl(String url) {
            return new Image(url, null, null);
        }
    }
}
