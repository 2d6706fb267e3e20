package io.gemmafleet.schemas;

/**
 * One frame of a video part: an image (url or data, as an image part) and its time in seconds from the start.
 * A data URI given as the URL is read as data.
 */
public record VideoFrame(String url, String data, String mediaType, double timestamp) {

    public static VideoFrame ofData(String data, String mediaType, double timestamp) {
        return new VideoFrame(null, data, mediaType, timestamp);
    }
}
