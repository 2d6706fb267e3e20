package io.gemmafleet.launcher;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.backend.cpu.vision.CpuVisionEncoder;
import io.gemmafleet.gateway.GatewayConfig;
import io.gemmafleet.gateway.GatewayServer;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelTokenizer;
import io.gemmafleet.testmodel.TestModelWriter;
import io.gemmafleet.testmodel.TestVisionShape;
import io.gemmafleet.worker.EngineRuntime;
import io.gemmafleet.worker.ServedModel;
import io.gemmafleet.worker.WorkerConfig;
import io.gemmafleet.worker.WorkerService;
import io.gemmafleet.worker.vision.MediaReader;
import io.gemmafleet.worker.vision.VisionServing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Test fixture: workers (tiny random model, one compute thread each) and gateway replicas on one broker and one
 * set of topics, closed in reverse order of start. Real clients only: no mocked consumer or producer. The model is
 * the tiny multimodal one (its mmproj beside it): {@link #worker} serves it text-only, {@link #visionWorker} with
 * its vision tower.
 */
final class LocalFleet implements AutoCloseable {

    final String bootstrap;
    final FleetTopics topics;
    private final Checkpoint checkpoint;
    private final GemmaTokenizer tokenizer;
    private final Path mmproj;
    private final List<AutoCloseable> open = new ArrayList<>();

    LocalFleet(String bootstrap, Path dir, String prefix) throws Exception {
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        for (String t : List.of("text", "image", "results", "dead-letter", "status", "cancel")) {
            p.setProperty("gemma.topics." + t, prefix + "." + t);
        }
        p.setProperty("gemma.topics.job-partitions", "2");
        p.setProperty("gemma.topics.results-partitions", "2");
        this.topics = FleetTopics.fromProperties(p);
        Path model = dir.resolve("tiny.gguf");
        this.mmproj = new TestModelWriter(TestModelTokenizer.locateDefault(), TestModelWriter.DEFAULT_MAX_SHARD_BYTES)
                .writeModel(model, TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, 1,
                        TestVisionShape.tiny(), TestMmprojDtype.F32).mmproj();
        this.checkpoint = CheckpointLoader.load(model.toString());
        this.tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
    }

    WorkerService worker(String id) throws Exception {
        ModelExecutor executor = new CpuBackend().open(Gemma3Weights.from(checkpoint), new ExecutorOptions(1, 256));
        open.add(0, executor);
        WorkerConfig config = WorkerConfig.defaults(bootstrap).withTopics(topics).withGroupId("e2e-" + topics.textJobs())
                .withIntakeMode(IntakeMode.AUTO).withBatchSize(8);
        ServedModel served = new ServedModel(id, "tiny.gguf", "tiny-random (RANDOM WEIGHTS)", 256, true);
        WorkerService w = new WorkerService(config, tokenizer, EngineRuntime.single(executor, tokenizer, served, 8));
        open.add(0, w);
        w.start();
        return w;
    }

    /**
     * A worker that also serves image and video jobs, so it consumes the image topic too: context 2048 (room for a
     * few images of 256 soft tokens) and the tiny vision tower on one thread.
     */
    WorkerService visionWorker(String id) throws Exception {
        int context = 2048;
        ModelExecutor executor = new CpuBackend().open(Gemma3Weights.from(checkpoint),
                new ExecutorOptions(1, context));
        VisionWeights weights = VisionCheckpoints.loadMmproj(mmproj);
        CpuVisionEncoder encoder = CpuVisionEncoder.create(weights, 1);
        open.add(0, weights);
        open.add(0, encoder);
        open.add(0, executor);
        WorkerConfig config = WorkerConfig.defaults(bootstrap).withTopics(topics).withGroupId("e2e-" + topics.textJobs())
                .withIntakeMode(IntakeMode.AUTO).withBatchSize(8);
        ServedModel served = new ServedModel(id, "tiny.gguf", "tiny-random (RANDOM WEIGHTS)", context, true);
        WorkerService w = new WorkerService(config, tokenizer, EngineRuntime.single(executor, tokenizer, served, 8),
                VisionServing.of(encoder, tokenizer, MediaReader.Settings.defaults(), 8, 64L << 20));
        open.add(0, w);
        w.start();
        return w;
    }

    GatewayServer gateway() {
        GatewayServer g = GatewayServer.start(GatewayConfig.defaults(bootstrap).withPort(0).withTopics(topics));
        open.add(0, g);
        return g;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        checkpoint.close();
    }
}
