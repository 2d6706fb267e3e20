package io.gemmafleet.cli;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.media.FfmpegTools;
import io.gemmafleet.media.ImageLimits;
import io.gemmafleet.media.PanAndScan;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionEncoder;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.backend.cpu.vision.CpuVisionEncoder;
import io.gemmafleet.worker.vision.MediaReader;
import io.gemmafleet.worker.vision.VisionServing;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The worker's image and video options, as a picocli mixin, and the vision serving they describe: the vision tower
 * of a Hugging Face multimodal folder, or llama.cpp's separate {@code mmproj} file beside a GGUF model.
 */
public final class VisionOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--mmproj", paramLabel = "FILE", description = "llama.cpp's vision projector GGUF for a GGUF "
            + "model (default: mmproj-NAME.gguf beside NAME.gguf, else the only mmproj-*.gguf in its folder; a Hugging "
            + "Face multimodal folder carries its vision tower itself)")
    Path mmproj;

    @Option(names = "--no-vision", description = "serve text only, even when the model has a vision tower")
    boolean noVision;

    @Option(names = "--pan-and-scan", description = "also encode pan-and-scan crops of large or non-square images "
            + "when a job does not say (off by default, as in Gemma 3's processor)")
    boolean panAndScan;

    @Option(names = "--image-max-bytes", defaultValue = "20MiB", converter = WorkerCommand.SizeConverter.class,
            description = "largest encoded image accepted (${DEFAULT-VALUE})")
    long imageMaxBytes;

    @Option(names = "--image-max-pixels", defaultValue = "50000000",
            description = "most pixels (width × height) an image may declare; checked before decoding (${DEFAULT-VALUE})")
    long imageMaxPixels;

    @Option(names = "--video-max-bytes", defaultValue = "64MiB", converter = WorkerCommand.SizeConverter.class,
            description = "largest video clip accepted (${DEFAULT-VALUE})")
    long videoMaxBytes;

    @Option(names = "--video-frames", defaultValue = "8",
            description = "frames sampled from a clip whose job names no max_frames (${DEFAULT-VALUE})")
    int videoFrames;

    @Option(names = "--ffmpeg", paramLabel = "FILE", description = "the ffmpeg executable that decodes MP4, MOV, "
            + "WebM, MKV and AVI clips, with ffprobe beside it (default: both found on the PATH; without them such "
            + "clips are refused and GIF/WebP clips and timed frames still work)")
    Path ffmpeg;

    @Option(names = "--video-timeout", defaultValue = "PT60S", description = "longest ffmpeg may spend on one "
            + "clip, each ffmpeg run at most 20 s of it (ISO-8601 duration, ${DEFAULT-VALUE})")
    Duration videoTimeout;

    @Option(names = "--image-batch", defaultValue = "8",
            description = "most images the vision tower encodes in one pass (${DEFAULT-VALUE})")
    int imageBatch;

    @Option(names = "--image-cache", defaultValue = "256MiB", converter = WorkerCommand.SizeConverter.class,
            description = "soft tokens of recent images kept, so a repeated image is not encoded again "
                    + "(${DEFAULT-VALUE}; 0 = off)")
    long imageCache;

    /**
     * The vision serving for {@code modelRef}, or null for a text-only worker (the model has no vision tower, or
     * {@code --no-vision}). Says on {@code log} what it loaded.
     *
     * @param modelRef the served model: a Hugging Face folder or a GGUF file
     * @param textHidden the text decoder's hidden size, which the projector must produce
     * @param threads the tower's compute threads; 0 = all cores
     */
    public VisionServing open(Backend device, String modelRef, int textHidden, int threads,
                              GemmaTokenizer tokenizer, PrintStream log) {
        Located located = locate(device, modelRef, log::println);
        if (located == null) {
            return null;
        }
        VisionWeights weights = located.weights();
        Path found = located.found();
        if (weights.config().textHidden() != textHidden && found != null) {
            // A projector we only found, not one we were given: it belongs to another model; serve text only.
            log.println("vision: " + found + " produces " + weights.config().textHidden() + "-wide embeddings, "
                    + "not this model's " + textHidden + ": ignored, serving text only");
            weights.close();
            return null;
        }
        if (weights.config().textHidden() != textHidden) {
            weights.close();
            throw new CliErrors.UsageError(command.commandLine(), "error: the vision projector produces "
                    + weights.config().textHidden() + "-wide embeddings; the text model's hidden size is " + textHidden);
        }
        // --threads 0 means all cores, as for the text model.
        VisionEncoder encoder = CpuVisionEncoder.create(weights, new ExecutorOptions(threads, 1).effectiveThreads());
        MediaReader.Settings media = new MediaReader.Settings(new ImageLimits(imageMaxBytes, imageMaxPixels),
                videoMaxBytes, videoFrames, panAndScan, PanAndScan.DEFAULTS, ffmpegTools());
        log.println("vision: " + weights.config() + ", image batch " + imageBatch + ", pan-and-scan "
                + (panAndScan ? "on" : "off") + " by default, video containers "
                + (media.ffmpeg().installed() ? "through " + media.ffmpeg().ffmpeg()
                        : "refused (no ffmpeg/ffprobe" + (ffmpeg == null ? " on the PATH" : " at " + ffmpeg) + ")"));
        return VisionServing.of(encoder, tokenizer, media, imageBatch, imageCache).owning(weights);
    }

    /** The tower to serve and, when it was found beside the model rather than given, where. */
    private record Located(VisionWeights weights, Path found) {}

    /** Loads the tower this worker would serve (mapped, not yet read), or null for a text-only worker. */
    private Located locate(Backend device, String modelRef, Consumer<String> log) {
        if (noVision) {
            return null;
        }
        Path model = modelRef == null ? null : Path.of(modelRef);
        Path found = mmproj == null && model != null ? MmprojLocator.beside(model).orElse(null) : null;
        boolean hfTower = mmproj == null && found == null && model != null && Files.isDirectory(model)
                && VisionCheckpoints.hasVision(model);
        if (mmproj == null && found == null && !hfTower) {
            return null;
        }
        if (!device.name().equals(CpuBackend.NAME)) {
            // The CUDA executor does not take image spans yet; refusing image jobs beats failing them mid-batch.
            log.accept("vision: the " + device.name() + " backend serves text only for now; image jobs are left "
                    + "to vision workers on the CPU backend (--accept-images: answer them unsupported_input here)");
            return null;
        }
        try {
            if (mmproj != null) {
                return new Located(VisionCheckpoints.loadMmproj(mmproj), null);
            }
            if (found != null) {
                log.accept("vision: using " + found + " found beside the model (--mmproj to choose another, "
                        + "--no-vision for text only)");
                return new Located(VisionCheckpoints.loadMmproj(found), found);
            }
            return new Located(VisionCheckpoints.loadHf(model), null);
        } catch (ModelLoadException e) {
            throw new CliErrors.UsageError(command.commandLine(), "error: cannot load the vision tower: "
                    + e.getMessage());
        }
    }

    /**
     * The memory the tower will hold (its weights as the CPU encoder keeps them, and one batch of activations), to be
     * set aside from the worker's budget before the text model is planned; 0 for a text-only worker.
     */
    public long plannedBytes(Backend device, String modelRef) {
        Located located = locate(device, modelRef, line -> { });
        if (located == null) {
            return 0;
        }
        try (VisionWeights weights = located.weights()) {
            return CpuVisionEncoder.memoryBytes(weights, imageBatch);
        }
    }

    /** ffmpeg as given, else from the PATH; each run gets at most the default per-run time, within the clip's. */
    FfmpegTools ffmpegTools() {
        Duration call = videoTimeout.compareTo(FfmpegTools.DEFAULT_CALL_TIMEOUT) < 0 ? videoTimeout
                : FfmpegTools.DEFAULT_CALL_TIMEOUT;
        return FfmpegTools.at(ffmpeg, call, videoTimeout);
    }

    /** Checks the numbers: a bad one is a usage error. */
    void validate() {
        if (imageBatch < 1 || videoFrames < 1 || imageMaxPixels < 1 || imageMaxBytes < 1
                || videoTimeout.isNegative() || videoTimeout.isZero()) {
            throw new CommandLine.ParameterException(command.commandLine(),
                    "Invalid value: --image-batch, --video-frames, --image-max-pixels, --image-max-bytes and "
                            + "--video-timeout must be positive");
        }
    }
}
