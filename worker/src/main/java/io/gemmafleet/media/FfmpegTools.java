package io.gemmafleet.media;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the {@code ffmpeg} and {@code ffprobe} executables are and how long they may run on one clip.
 *
 * @param ffmpeg the ffmpeg executable, or null when none was found
 * @param ffprobe the ffprobe executable, or null when none was found
 * @param callTimeout the longest one run of either may take before it is killed
 * @param clipTimeout the longest all runs for one clip may take together (probe and every frame)
 */
public record FfmpegTools(Path ffmpeg, Path ffprobe, Duration callTimeout, Duration clipTimeout) {

    /** One run: 20 s (a seek decodes from the keyframe before the frame, up to a whole group of pictures). */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(20);
    /** One clip: 60 s. */
    public static final Duration DEFAULT_CLIP_TIMEOUT = Duration.ofSeconds(60);

    public FfmpegTools {
        if (callTimeout.isNegative() || callTimeout.isZero() || clipTimeout.isNegative() || clipTimeout.isZero()) {
            throw new IllegalArgumentException("ffmpeg timeouts must be positive: " + callTimeout + ", "
                    + clipTimeout);
        }
    }

    /** ffmpeg and ffprobe found on the PATH, with the default timeouts. */
    public static FfmpegTools onPath() {
        return at(null, DEFAULT_CALL_TIMEOUT, DEFAULT_CLIP_TIMEOUT);
    }

    /**
     * @param ffmpeg the ffmpeg executable, or null to look for it on the PATH; ffprobe is taken from beside it, else
     *     from the PATH
     */
    public static FfmpegTools at(Path ffmpeg, Duration callTimeout, Duration clipTimeout) {
        Path found = ffmpeg != null ? ffmpeg : onPath("ffmpeg").orElse(null);
        Path sibling = found == null || found.getParent() == null ? null : found.resolveSibling("ffprobe");
        Path probe = sibling != null && Files.isExecutable(sibling) ? sibling : onPath("ffprobe").orElse(null);
        return new FfmpegTools(found, probe, callTimeout, clipTimeout);
    }

    /** Whether both executables are there to run. */
    public boolean installed() {
        return ffmpeg != null && ffprobe != null && Files.isExecutable(ffmpeg) && Files.isExecutable(ffprobe);
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
