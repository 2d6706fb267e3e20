package io.gemmafleet.media;

/**
 * One frame of a video, with its time from the start of the clip.
 *
 * @param image the frame as the whole picture shows it at that time (partial frames already composited)
 * @param timestampSeconds when the frame starts showing, in seconds from the start of the clip
 */
public record VideoFrame(RgbImage image, double timestampSeconds) {}
