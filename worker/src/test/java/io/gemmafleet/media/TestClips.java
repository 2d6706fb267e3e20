package io.gemmafleet.media;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Small clips written by ffmpeg itself at test time (its {@code testsrc} pattern, which numbers its frames), the
 * reference pictures ffmpeg decodes from them without seeking, and stand-in executables for the failure cases.
 */
public final class TestClips {

    /** The clips' picture: 64x48 at 10 frames a second, by default 2 s long (20 frames). */
    public static final int WIDTH = 64;
    public static final int HEIGHT = 48;
    public static final int FRAMES = 20;

    private TestClips() {}

    /** Skips the calling test, saying why, when ffmpeg or ffprobe is not on the PATH. */
    public static FfmpegTools requireFfmpeg() {
        FfmpegTools tools = FfmpegTools.onPath();
        assumeTrue(tools.installed(), "ffmpeg and ffprobe are not on the PATH (Debian: apt-get install ffmpeg); "
                + "the clip tests need them");
        return tools;
    }

    /**
     * A 2 s testsrc clip encoded with {@code codec} into {@code file} (its extension picks the container);
     * {@code extra} are more output options. Skips the test when this ffmpeg build lacks the encoder.
     */
    public static byte[] make(Path file, String codec, String... extra) throws IOException, InterruptedException {
        return make(file, 2, codec, extra);
    }

    /** As {@link #make(Path, String, String...)}, {@code seconds} long (10 frames a second). */
    public static byte[] make(Path file, int seconds, String codec, String... extra)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                "-y", "-f", "lavfi", "-i", "testsrc=size=" + WIDTH + "x" + HEIGHT + ":rate=10", "-t",
                Integer.toString(seconds),
                "-c:v", codec, "-pix_fmt", "yuv420p"));
        command.addAll(List.of(extra));
        command.add(file.toString());
        String errors = ffmpeg(command);
        assumeTrue(errors == null, "this ffmpeg cannot write " + codec + " into " + file.getFileName() + ": "
                + errors);
        return Files.readAllBytes(file);
    }

    /** Frame {@code index} (in presentation order) of {@code clip}, decoded by ffmpeg to PNG and read by us. */
    static RgbImage reference(Path clip, int index) throws IOException, InterruptedException, MediaException {
        Path png = clip.resolveSibling(clip.getFileName() + ".frame" + index + ".png");
        String errors = ffmpeg(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i",
                clip.toString(), "-vf", "select=eq(n\\," + index + ")", "-frames:v", "1", png.toString()));
        if (errors != null) {
            throw new IOException("ffmpeg could not write the reference frame: " + errors);
        }
        return new ImageDecoder(ImageLimits.DEFAULTS).decode(Files.readAllBytes(png), "image/png");
    }

    /** Runs ffmpeg with {@code args} after its quiet options; fails the test when ffmpeg fails. */
    static void ffmpeg(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                "-y"));
        command.addAll(List.of(args));
        String errors = ffmpeg(command);
        if (errors != null) {
            throw new IOException("ffmpeg " + String.join(" ", args) + " failed: " + errors);
        }
    }

    /** {@code real} with its ffmpeg behind a script that logs each run's arguments, one line each, to {@code log}. */
    static FfmpegTools logging(FfmpegTools real, Path dir, Path log) throws IOException {
        Path ffmpeg = script(dir, "logged-ffmpeg",
                "echo \"$*\" >> '" + log + "'\nexec '" + real.ffmpeg() + "' \"$@\"");
        return new FfmpegTools(ffmpeg, real.ffprobe(), real.callTimeout(), real.clipTimeout());
    }

    /** An executable shell script in {@code dir}. */
    static Path script(Path dir, String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    /** Runs ffmpeg; null when it succeeded, else its stderr. */
    private static String ffmpeg(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out";
        }
        return process.exitValue() == 0 ? null : new String(out, StandardCharsets.UTF_8).strip();
    }
}
