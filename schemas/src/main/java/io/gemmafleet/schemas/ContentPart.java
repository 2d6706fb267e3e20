package io.gemmafleet.schemas;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Objects;

/**
 * One part of a chat message's content: text, an image (URL or inline data) or a video (timed frames or a short
 * clip). On the wire OpenAI's {@code {"type":"image_url","image_url":{"url":...}}} is accepted too; it is read as
 * an {@link Image}, so code that holds decoded parts sees only these three kinds.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ContentPart.Text.class, name = "text"),
        @JsonSubTypes.Type(value = ContentPart.Image.class, name = "image"),
        @JsonSubTypes.Type(value = ContentPart.Video.class, name = "video")})
public sealed interface ContentPart {

    /** A piece of text. */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * An image: {@code url} or {@code data} (plain base64 with its {@code mediaType}, or a data URI, which names
     * its own type; decode either with {@link InlineMedia#decode}). A data URI given as a URL is read as data.
     */
    record Image(String url, String data, String mediaType) implements ContentPart {
        public static Image ofUrl(String url) {
            return new Image(url, null, null);
        }

        public static Image ofData(String data, String mediaType) {
            return new Image(null, data, mediaType);
        }
    }

    /**
     * A video: either {@code frames} (images with their times, in time order) or one short clip as {@code data}
     * with its {@code mediaType}: MP4, MOV, WebM, MKV or AVI (decoded with ffmpeg on the worker), or an animated
     * {@code image/gif} or {@code image/webp}.
     *
     * @param maxFrames how many frames to sample from it; null = the worker's default
     */
    record Video(List<VideoFrame> frames, String data, String mediaType, Integer maxFrames) implements ContentPart {
        public Video {
            frames = frames == null ? null : List.copyOf(frames);
        }

        public static Video ofFrames(List<VideoFrame> frames, Integer maxFrames) {
            return new Video(frames, null, null, maxFrames);
        }

        public static Video ofClip(String data, String mediaType, Integer maxFrames) {
            return new Video(null, data, mediaType, maxFrames);
        }
    }
}
