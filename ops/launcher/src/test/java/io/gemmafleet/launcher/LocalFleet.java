package io.gemmafleet.launcher;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.gateway.GatewayConfig;
import io.gemmafleet.gateway.GatewayServer;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelWriter;
import io.gemmafleet.worker.EngineRuntime;
import io.gemmafleet.worker.ServedModel;
import io.gemmafleet.worker.WorkerConfig;
import io.gemmafleet.worker.WorkerService;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Test fixture: workers (tiny random model, one compute thread each) and gateway replicas on one broker and one
 * set of topics, closed in reverse order of start. Real clients only: no mocked consumer or producer.
 */
final class LocalFleet implements AutoCloseable {

    final String bootstrap;
    final FleetTopics topics;
    private final Checkpoint checkpoint;
    private final GemmaTokenizer tokenizer;
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
        TestModelWriter.write(model, TestModelFormat.GGUF, TestModelShape.tiny(), TestModelDtype.Q8_0, 1);
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
