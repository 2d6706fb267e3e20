package io.gemmafleet.cli;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.backend.cpu.vision.CpuVisionEncoder;
import io.gemmafleet.engine.Engine;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelTokenizer;
import io.gemmafleet.testmodel.TestModelWriter;
import io.gemmafleet.testmodel.TestVisionShape;
import io.gemmafleet.worker.JobPreparer;
import io.gemmafleet.worker.vision.MediaReader;
import io.gemmafleet.worker.vision.VisionServing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures images on the CPU backend, side by side with llama.cpp: images encoded per second by the vision tower at
 * each batch size, and the time an image adds to a job's first token, split into decode + pre-process, encode and
 * the prefill of its soft tokens. Output is tab-separated, one section per part, medians of the timed runs.
 */
@Command(name = "image-bench", mixinStandardHelpOptions = true,
        description = "Vision tower images/s at batch 1 and 8, and the latency an image adds to a job, vs llama.cpp.")
public final class ImageBenchCommand implements Callable<Integer> {

    /** Layers of the published Gemma 3 vision tower: the figure the per-layer time is extrapolated to. */
    static final int PUBLISHED_LAYERS = 27;

    @Option(names = "--model", description = "GGUF text model (with --mmproj); default: a random-weight model "
            + "written to --models-dir")
    Path model;

    @Option(names = "--mmproj", paramLabel = "FILE", description = "llama.cpp's vision projector GGUF for --model")
    Path mmproj;

    @Option(names = "--models-dir", description = "where the random-weight model is written and reused "
            + "(default: the system's temporary folder)")
    Path modelsDir;

    @Option(names = "--text-shape", defaultValue = "1b", description = "random model's text decoder: tiny, 270m, 1b "
            + "(${DEFAULT-VALUE}); the projector maps onto its width")
    String textShape;

    @Option(names = "--text-dtype", defaultValue = "q4_0", description = "random text decoder's weights "
            + "(${DEFAULT-VALUE})")
    String textDtype;

    @Option(names = "--vision-shape", defaultValue = "siglip", description = "random tower: siglip (the published "
            + "width, ${DEFAULT-VALUE}) or tiny")
    String visionShape;

    @Option(names = "--vision-layers", description = "layers of the random tower (default: the shape's; the "
            + "published tower's 27 are then extrapolated from the time per layer)")
    Integer visionLayers;

    @Option(names = "--mmproj-dtype", defaultValue = "f16", description = "random tower's matrices: f16 (as "
            + "llama.cpp's converter writes them, ${DEFAULT-VALUE}) or f32")
    String mmprojDtype;

    @Option(names = "--image", description = "PNG or JPEG for the latency part (default: a 1024×768 test picture)")
    Path image;

    @Option(names = "--batch", split = ",", defaultValue = "1,8", description = "images per encode call")
    List<Integer> batches;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed runs before each measurement")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", description = "timed runs per measurement (the median is shown)")
    int runs;

    @Option(names = "--threads", defaultValue = "0", description = "compute threads, both sides (0 = all cores)")
    int threads;

    @Option(names = "--no-peer", description = "skip llama.cpp")
    boolean noPeer;

    @Override
    public Integer call() throws Exception {
        int team = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Path[] files = modelFiles();
        Path picture = image != null ? image : writeTestPicture(files[0].resolveSibling("image-bench-picture.png"));
        try (Checkpoint checkpoint = CheckpointLoader.load(files[0].toString());
             VisionWeights weights = VisionCheckpoints.loadMmproj(files[1]);
             CpuVisionEncoder encoder = CpuVisionEncoder.create(weights, team)) {
            VisionConfig c = encoder.config();
            System.out.printf(Locale.ROOT, "# vision tower %s; text model %s; %d threads%n", c, files[0], team);
            List<Double> ours = encodeThroughput(encoder);
            LlamaImagePeer.Result peer = peer(files, picture, team);
            printEncode(c, ours, peer);
            try (ModelExecutor executor = new CpuBackend().open(Gemma3Weights.from(checkpoint),
                    new ExecutorOptions(team, 1024))) {
                GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
                printLatency(jobLatency(executor, tokenizer, encoder, picture), peer);
            }
        }
        return 0;
    }

    /** The text model and its mmproj: as given, or a random-weight pair written once and reused. */
    private Path[] modelFiles() throws IOException {
        if (model != null || mmproj != null) {
            if (model == null || mmproj == null) {
                throw new IllegalArgumentException("--model and --mmproj go together");
            }
            return new Path[] {model, mmproj};
        }
        TestVisionShape base = TestVisionShape.of(visionShape);
        int layers = visionLayers != null ? visionLayers : base.layers();
        TestVisionShape shape = new TestVisionShape(base.name() + "-" + layers + "l", base.imageSize(),
                base.patchSize(), base.hidden(), layers, base.heads(), base.ffn(), base.tokensPerImage());
        TestModelDtype dtype = TestModelDtype.valueOf(textDtype.toUpperCase(Locale.ROOT));
        TestMmprojDtype towerDtype = TestMmprojDtype.valueOf(mmprojDtype.toUpperCase(Locale.ROOT));
        Path dir = modelsDir != null ? modelsDir : Path.of(System.getProperty("java.io.tmpdir"));
        Path text = dir.resolve("image-bench-" + textShape + "-" + textDtype + "-" + shape.name() + "-"
                + mmprojDtype + ".gguf");
        Path tower = text.resolveSibling("mmproj-" + text.getFileName());
        if (!Files.isRegularFile(text) || !Files.isRegularFile(tower)) {
            System.err.println("writing the random-weight model " + text + " ...");
            new TestModelWriter(TestModelTokenizer.locateDefault(),
                    TestModelWriter.DEFAULT_MAX_SHARD_BYTES).writeModel(text, TestModelFormat.GGUF,
                    TestModelShape.of(textShape), dtype, 1, shape, towerDtype);
        }
        return new Path[] {text, tower};
    }

    /** Median seconds of one {@code encode} call at each batch size, on random normalised images. */
    private List<Double> encodeThroughput(CpuVisionEncoder encoder) {
        int pixels = 3 * encoder.config().imageSize() * encoder.config().imageSize();
        List<Double> medians = new ArrayList<>();
        for (int batch : batches) {
            List<float[]> images = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                SplittableRandom random = new SplittableRandom(i);
                float[] values = new float[pixels];
                for (int v = 0; v < pixels; v++) {
                    values[v] = (float) random.nextDouble(-1, 1);
                }
                images.add(values);
            }
            medians.add(median(warmup, runs, () -> encoder.encode(images)));
        }
        return medians;
    }

    private LlamaImagePeer.Result peer(Path[] files, Path picture, int team) throws Exception {
        if (noPeer) {
            System.out.println("# llama.cpp: skipped (--no-peer)");
            return null;
        }
        Path reference = LlamaImagePeer.locate();
        if (reference == null) {
            System.out.println("# llama.cpp: skipped (no worker/reference/" + LlamaImagePeer.SCRIPT
                    + " with its node_modules here or above: run ./gemma-fleet setup)");
            return null;
        }
        LlamaImagePeer.Result r = LlamaImagePeer.run(reference, files[0], files[1], picture, team, warmup, runs);
        System.out.println("# llama.cpp: build " + r.build() + " via @fugood/llama.node, " + team + " threads");
        return r;
    }

    private void printEncode(VisionConfig c, List<Double> ours, LlamaImagePeer.Result peer) {
        double peerMs = peer == null ? Double.NaN : medianOf(peer.runs(), LlamaImagePeer.Run::encodeMs);
        System.out.println("# encode: images/s of the vision tower (" + c.layers() + " layers), median of " + runs
                + " runs after " + warmup + " warm-up; ms_per_layer = ms per image / layers; the "
                + PUBLISHED_LAYERS + "-layer column is extrapolated from it");
        System.out.println("engine\tbatch\timages_s\tms_per_image\tms_per_layer\textrapolated_" + PUBLISHED_LAYERS
                + "_layers_images_s\tratio_vs_llama_cpp_batch_1");
        for (int i = 0; i < batches.size(); i++) {
            double msPerImage = ours.get(i) * 1000 / batches.get(i);
            encodeRow("gemma-fleet", batches.get(i), msPerImage, c.layers(), peerMs / msPerImage);
        }
        if (peer != null) {
            // mtmd encodes one image per clip pass, so llama.cpp has no batch to compare with ours
            encodeRow("llama.cpp", 1, peerMs, c.layers(), 1);
        }
    }

    private static void encodeRow(String engine, int batch, double msPerImage, int layers, double ratio) {
        double perLayer = msPerImage / layers;
        System.out.printf(Locale.ROOT, "%s\t%d\t%.3f\t%.1f\t%.1f\t%.4f\t%s%n", engine, batch, 1000 / msPerImage,
                msPerImage, perLayer, 1000 / (perLayer * PUBLISHED_LAYERS), Double.isNaN(ratio) ? "—"
                        : String.format(Locale.ROOT, "%.2f", ratio));
    }

    /** Median milliseconds of each part of a one-image job and of the same job without the image. */
    private record Latency(double prepareImageMs, double encodeMs, double firstTokenImageMs, double prepareTextMs,
                           double firstTokenTextMs, int imagePromptTokens, int textPromptTokens) {}

    /**
     * Runs a job with one image and the same job without it through the worker's path: {@link JobPreparer} (decode,
     * pre-process, template, tokens), the encoding stage (its soft-token cache off, so every run encodes), and an
     * engine configured as a worker's, whose time to first token is the prefill.
     */
    private Latency jobLatency(ModelExecutor executor, GemmaTokenizer tokenizer, CpuVisionEncoder encoder,
                               Path picture) throws IOException {
        int context = 1024;
        VisionServing vision = VisionServing.of(encoder, tokenizer, MediaReader.Settings.defaults(), 8, 0);
        JobPreparer preparer = new JobPreparer(new JobCodec(), tokenizer, () -> context, 0, id -> false, vision);
        String mediaType = picture.toString().toLowerCase(Locale.ROOT).endsWith(".png") ? "image/png" : "image/jpeg";
        String imagePart = "{\"type\":\"image\",\"media_type\":\"" + mediaType + "\",\"data\":\""
                + Base64.getEncoder().encodeToString(Files.readAllBytes(picture)) + "\"},";
        IncomingJob withImage = job(imagePart);
        IncomingJob withoutImage = job("");
        List<double[]> samples = new ArrayList<>();
        int[] promptTokens = new int[2];
        for (int i = 0; i < warmup + runs; i++) {
            long t0 = System.nanoTime();
            JobPreparer.Ready ready = (JobPreparer.Ready) preparer.prepare(withImage, Instant.now());
            long t1 = System.nanoTime();
            List<ImageSpan> spans = vision.encoding().encode(List.of(ready.images())).getFirst();
            long t2 = System.nanoTime();
            double firstImage = firstToken(executor, tokenizer, context, ready.promptIds(), spans);
            long t3 = System.nanoTime();
            JobPreparer.Ready text = (JobPreparer.Ready) preparer.prepare(withoutImage, Instant.now());
            long t4 = System.nanoTime();
            double firstText = firstToken(executor, tokenizer, context, text.promptIds(), List.of());
            promptTokens[0] = ready.promptIds().length;
            promptTokens[1] = text.promptIds().length;
            if (i >= warmup) {
                samples.add(new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6, firstImage, (t4 - t3) / 1e6, firstText});
            }
        }
        return new Latency(column(samples, 0), column(samples, 1), column(samples, 2), column(samples, 3),
                column(samples, 4), promptTokens[0], promptTokens[1]);
    }

    private static IncomingJob job(String imagePart) {
        String json = "{\"schema_version\":1,\"job_id\":\"image-bench\",\"messages\":[{\"role\":\"user\",\"content\":["
                + imagePart + "{\"type\":\"text\",\"text\":\"Describe this picture.\"}]}],\"sampling\":{\"max_tokens\":1,"
                + "\"temperature\":0}}";
        return new IncomingJob("bench", 0, 0, "image-bench", json.getBytes(StandardCharsets.UTF_8),
                System.currentTimeMillis(), 1);
    }

    /** Milliseconds to the first token of one request on a fresh worker engine (so no prefix is cached). */
    private static double firstToken(ModelExecutor executor, GemmaTokenizer tokenizer, int context, int[] prompt,
                                     List<ImageSpan> spans) {
        GenerationResult[] out = new GenerationResult[1];
        Engine engine = new Engine(executor, tokenizer, EngineConfig.forWorker(executor.config(), 1, context),
                TextListener.NONE, r -> out[0] = r, System::nanoTime);
        engine.submit(new GenerationRequest(1, prompt, SamplingParams.greedy(1), true, 0,
                GenerationRequest.NO_DEADLINE, spans));
        while (engine.step() || !engine.idle()) {
            // runs until the request is done
        }
        return out[0].prefillNanos() / 1e6;
    }

    private void printLatency(Latency l, LlamaImagePeer.Result peer) {
        System.out.println("# latency an image adds to a job (ms, median of " + runs + "): one user turn with the "
                + "picture and \"Describe this picture.\" vs the same turn without it, max_tokens 1; prompt "
                + l.imagePromptTokens() + " vs " + l.textPromptTokens() + " tokens");
        System.out.println("part\tgemma-fleet_ms\tllama_cpp_ms\tratio");
        double peerEncode = peer == null ? Double.NaN : medianOf(peer.runs(), LlamaImagePeer.Run::encodeMs);
        double peerPrefill = peer == null ? Double.NaN : medianOf(peer.runs(), LlamaImagePeer.Run::imagePrefillMs);
        double peerAdded = peer == null ? Double.NaN
                : medianOf(peer.runs(), r -> r.imageWallMs() - r.textWallMs());
        double ourPrefill = l.firstTokenImageMs() - l.firstTokenTextMs();
        double ourAdded = l.prepareImageMs() + l.encodeMs() + l.firstTokenImageMs() - l.prepareTextMs()
                - l.firstTokenTextMs();
        latencyRow("decode + pre-process (+ tokenize)", l.prepareImageMs() - l.prepareTextMs(),
                peer == null ? Double.NaN : peerAdded - peerEncode - peerPrefill);
        latencyRow("encode", l.encodeMs(), peerEncode);
        latencyRow("prefill of the image's tokens", ourPrefill, peerPrefill);
        latencyRow("total added to the first token", ourAdded, peerAdded);
        latencyRow("first token without the image", l.prepareTextMs() + l.firstTokenTextMs(),
                peer == null ? Double.NaN : medianOf(peer.runs(), LlamaImagePeer.Run::textWallMs));
    }

    private static void latencyRow(String part, double ours, double theirs) {
        System.out.printf(Locale.ROOT, "%s\t%.1f\t%s\t%s%n", part, ours, Double.isNaN(theirs) ? "—"
                : String.format(Locale.ROOT, "%.1f", theirs), Double.isNaN(theirs) ? "—"
                : String.format(Locale.ROOT, "%.2f", ours / theirs));
    }

    /** A deterministic 1024×768 picture (smooth colour ramps and noise), as a PNG: decoded, resized and encoded. */
    static Path writeTestPicture(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        BufferedImage img = new BufferedImage(1024, 768, BufferedImage.TYPE_INT_RGB);
        SplittableRandom random = new SplittableRandom(5);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int r = (x * 255 / 1023 + random.nextInt(24)) & 0xFF;
                int g = (y * 255 / 767 + random.nextInt(24)) & 0xFF;
                int b = ((x + y) / 7 + random.nextInt(24)) & 0xFF;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    private static double median(int warmup, int runs, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        return median(seconds);
    }

    private static <T> double medianOf(List<T> items, ToDoubleFunction<T> f) {
        return median(items.stream().mapToDouble(f).toArray());
    }

    private static double column(List<double[]> rows, int i) {
        return median(rows.stream().mapToDouble(r -> r[i]).toArray());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
