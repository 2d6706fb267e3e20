package io.gemmafleet.media;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;

/**
 * Samples frames from a clip in a container Java cannot read (MP4, MOV, WebM, MKV, AVI) with the {@code ffprobe}
 * and {@code ffmpeg} executables, treating the clip as hostile: it is copied to a private temporary file, probed
 * for its size, frame times and keyframes (the pixel limit is checked before a frame is decoded), and the picked
 * frames are decoded by ffmpeg runs that read only that file with the demuxer its magic bytes named, on one thread,
 * under a per-run timeout and a budget for the whole clip: one seek per frame, or one pass from the start when the
 * keyframes are so sparse that this decodes fewer frames ({@link ClipProbe#cheaperInOnePass}). Frames are picked as
 * for GIF ({@link FrameSampler}): the frame showing at k × duration / n.
 */
final class FfmpegClipDecoder {

    /** The most ffprobe output accepted: about 100 000 frames' lines. */
    private static final int MAX_PROBE_BYTES = 8 << 20;

    private final FfmpegTools tools;
    private final ImageLimits perFrameLimits;
    private final long maxDecodedPixels;

    FfmpegClipDecoder(FfmpegTools tools, ImageLimits perFrameLimits, long maxDecodedPixels) {
        this.tools = tools;
        this.perFrameLimits = perFrameLimits;
        this.maxDecodedPixels = maxDecodedPixels;
    }

    /** Up to {@code frames} frames of {@code clip}, already sniffed as {@code container} and within the size limit. */
    List<VideoFrame> sample(byte[] clip, VideoContainer container, int frames) throws MediaException {
        if (!tools.installed()) {
            throw new MediaException("This worker cannot decode " + container.mediaType()
                    + ": ffmpeg is not installed; send frames instead.");
        }
        long deadline = System.nanoTime() + tools.clipTimeout().toNanos();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("gemma-clip", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("clip." + container.extension());
            Files.write(file, clip);
            Run run = new Run(file, container, deadline);
            ClipProbe probe = run.probe();
            int[] size = probe.displaySize();
            checkFrameSize(size[0], size[1]);
            double[] starts = probe.starts();
            SortedSet<Integer> picked = FrameSampler.pick(starts, frames);
            VideoDecoder.checkBudget((long) size[0] * size[1] * picked.size(), maxDecodedPixels);
            List<RgbImage> images = new ArrayList<>(picked.size());
            if (probe.cheaperInOnePass(picked)) {
                images.addAll(run.framesInOnePass(picked, size[0], size[1]));
            } else {
                for (int index : picked) {
                    images.add(run.frame(probe.seekTo(index), size[0], size[1]));
                }
            }
            List<VideoFrame> out = new ArrayList<>(picked.size());
            int i = 0;
            for (int index : picked) {
                out.add(new VideoFrame(images.get(i++), starts[index]));
            }
            return out;
        } catch (IOException e) {
            throw new MediaException("The clip could not be decoded: the worker could not run ffmpeg.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MediaException("The clip's decoding was interrupted.");
        } finally {
            deleteQuietly(dir);
        }
    }

    private void checkFrameSize(int width, int height) throws MediaException {
        long pixels = (long) width * height;
        if (pixels > perFrameLimits.maxPixels() || pixels * 3 > Integer.MAX_VALUE - 8) {
            throw new MediaException(String.format(Locale.ROOT,
                    "The clip's frames are %dx%d pixels (%.1f megapixels); the limit is %.1f megapixels.", width,
                    height, pixels / 1e6, perFrameLimits.maxPixels() / 1e6));
        }
    }

    /** The runs for one clip: they share its file, its demuxer and its deadline. */
    private final class Run {
        private final Path file;
        private final VideoContainer container;
        private final long deadline;

        Run(Path file, VideoContainer container, long deadline) {
            this.file = file;
            this.container = container;
            this.deadline = deadline;
        }

        ClipProbe probe() throws IOException, InterruptedException, MediaException {
            List<String> command = List.of(tools.ffprobe().toString(), "-hide_banner", "-loglevel", "error",
                    "-protocol_whitelist", "file", "-f", container.demuxer(), "-select_streams", "v:0",
                    "-show_entries", "stream=width,height,time_base:stream_side_data=rotation"
                            + ":packet=pts,dts,duration,flags",
                    "-of", "compact", file.toString());
            BoundedProcess.Result result = run(command, MAX_PROBE_BYTES, "probed");
            return ClipProbe.parse(new String(result.stdout(), java.nio.charset.StandardCharsets.US_ASCII));
        }

        /** The frame at {@code seek} (null: the first one) as RGB, which must be {@code width} × {@code height}. */
        RgbImage frame(String seek, int width, int height) throws IOException, InterruptedException, MediaException {
            List<String> command = ffmpegReading(seek == null ? List.of()
                    : List.of("-seek_timestamp", "1", "-ss", seek));
            command.addAll(List.of("-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"));
            return split(run(command, frameBytes(width, height), "decoded"), 1, width, height).getFirst();
        }

        /**
         * The frames at {@code indices} (presentation order) from one run that decodes the clip from its start:
         * ffmpeg's {@code select} filter keeps those frames, counted as they leave the decoder.
         */
        List<RgbImage> framesInOnePass(SortedSet<Integer> indices, int width, int height)
                throws IOException, InterruptedException, MediaException {
            StringBuilder select = new StringBuilder("select=");
            for (int index : indices) {
                select.append(select.length() > 7 ? "+" : "").append("eq(n\\,").append(index).append(')');
            }
            List<String> command = ffmpegReading(List.of());
            command.addAll(List.of("-vf", select.toString(), "-vsync", "passthrough", "-frames:v",
                    Integer.toString(indices.size()), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"));
            int bytes = Math.toIntExact(frameBytes(width, height) * (long) indices.size());
            return split(run(command, bytes, "decoded"), indices.size(), width, height);
        }

        /** ffmpeg's options for reading this clip's first video stream, {@code seek} options before the input. */
        private List<String> ffmpegReading(List<String> seek) {
            List<String> command = new ArrayList<>(List.of(tools.ffmpeg().toString(), "-nostdin", "-hide_banner",
                    "-loglevel", "error", "-threads", "1", "-filter_threads", "1", "-protocol_whitelist", "file",
                    "-f", container.demuxer()));
            command.addAll(seek);
            command.addAll(List.of("-i", file.toString(), "-map", "0:v:0", "-an", "-sn", "-dn"));
            return command;
        }

        private static int frameBytes(int width, int height) {
            return Math.toIntExact((long) width * height * 3);
        }

        /** {@code count} frames of {@code width} × {@code height} from the run's output, which must hold exactly those. */
        private List<RgbImage> split(BoundedProcess.Result result, int count, int width, int height)
                throws MediaException {
            long bytes = (long) frameBytes(width, height) * count;
            if (result.stdout().length == 0) {
                throw new MediaException("The clip could not be decoded: ffmpeg found no picture for a frame the "
                        + "clip lists (a truncated or damaged clip?)" + detail(result.stderr()));
            }
            if (result.stdout().length != bytes) {
                // A stream whose size changes midway, or a frame ffmpeg could not decode.
                throw new MediaException("The clip could not be decoded: ffmpeg gave " + result.stdout().length
                        + " bytes, not " + count + " frame(s) of the " + width + "x" + height + " the clip declares"
                        + detail(result.stderr()));
            }
            List<RgbImage> images = new ArrayList<>(count);
            int each = frameBytes(width, height);
            for (int i = 0; i < count; i++) {
                images.add(new RgbImage(width, height, Arrays.copyOfRange(result.stdout(), i * each, (i + 1) * each)));
            }
            return images;
        }

        private BoundedProcess.Result run(List<String> command, int maxStdout, String verb)
                throws IOException, InterruptedException, MediaException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timedOut();
            }
            Duration timeout = Duration.ofNanos(Math.min(left, tools.callTimeout().toNanos()));
            BoundedProcess.Result result;
            try {
                result = BoundedProcess.run(command, timeout, maxStdout);
            } catch (BoundedProcess.TimedOut e) {
                throw timedOut();
            } catch (BoundedProcess.TooMuchOutput e) {
                throw new MediaException("The clip could not be " + verb + ": ffmpeg's output was larger than the "
                        + "clip declares.");
            }
            if (result.exitCode() != 0) {
                throw new MediaException("The " + container.displayName() + " clip could not be " + verb
                        + detail(result.stderr()));
            }
            return result;
        }

        private MediaException timedOut() {
            return new MediaException(String.format(Locale.ROOT, "The clip took too long to decode (the limit is "
                    + "%.1f s per ffmpeg run and %.1f s per clip).", tools.callTimeout().toMillis() / 1000.0,
                    tools.clipTimeout().toMillis() / 1000.0));
        }

        /** ffmpeg's first error lines, without the temporary file's name, for the client: ": ..." or ".". */
        private String detail(String stderr) {
            // No paths of this machine and no memory addresses ("[h264 @ 0x55d0...]") go back to the client.
            String text = stderr.replace(file.toString(), "clip").replace(file.getParent().toString(), "")
                    .replaceAll(" @ 0x[0-9a-fA-F]+", "").replaceAll("[^\\x20-\\x7E\\n]", "?").strip();
            if (text.isEmpty()) {
                return ".";
            }
            String[] lines = text.split("\n");
            String joined = String.join("; ", List.of(lines).subList(0, Math.min(3, lines.length)));
            return ": " + (joined.length() > 300 ? joined.substring(0, 300) + "…" : joined);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A temporary file left behind is the operating system's to clean; the answer stands.
        }
    }
}
