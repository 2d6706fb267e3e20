package io.gemmafleet.cli;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.schemas.FleetProperties;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.worker.EngineRuntime;
import io.gemmafleet.worker.ServedModel;
import io.gemmafleet.worker.WorkerConfig;
import io.gemmafleet.worker.WorkerService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gemma-fleet worker}: loads one model and serves jobs from Kafka until SIGTERM, then drains. */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve inference jobs from Kafka with one resident model (stateless; run any number).")
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers HOST:PORT[,...]")
    String bootstrap;

    @Option(names = "--model", description = "GGUF file, Hugging Face folder or ollama:NAME[:TAG] "
            + "(default: a random-weight tiny test model, labelled as such in every result)")
    String model;

    @Mixin
    BackendOption backend;

    @Option(names = "--group", defaultValue = "gemma-fleet-workers", description = "consumer/share group (${DEFAULT-VALUE})")
    String group;

    @Option(names = "--intake", defaultValue = "auto", description = "auto, share or classic (${DEFAULT-VALUE})")
    String intake;

    @Option(names = "--batch-size", defaultValue = "8", description = "most jobs per runtime batch (${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--threads", defaultValue = "0", description = "compute threads (0 = all cores)")
    int threads;

    @Option(names = "--context", defaultValue = "4096", description = "context limit per job (${DEFAULT-VALUE})")
    int context;

    @Option(names = "--drain-timeout", defaultValue = "PT30S", description = "ISO-8601 duration (${DEFAULT-VALUE})")
    Duration drainTimeout;

    @Option(names = "--delivery-limit", defaultValue = "5", description = "share groups: fail a job on this delivery (${DEFAULT-VALUE})")
    int deliveryLimit;

    @Option(names = "--accept-images", description = "also consume the image-jobs topic")
    boolean acceptImages;

    @Option(names = "--http-port", defaultValue = "8081", description = "/metrics and /health port; -1 = off (${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--worker-id", description = "default: a random id")
    String workerId;

    @Option(names = "--config", description = "properties file: gemma.topics.* and kafka.* (client settings)")
    Path configFile;

    @Option(names = "-D", description = "a property, as in --config (repeatable): -Dgemma.topics.text=my.jobs")
    Map<String, String> properties = Map.of();

    @Override
    public Integer call() throws Exception {
        Properties props = FleetProperties.load(configFile, properties);
        Properties kafka = FleetProperties.kafkaClient(props);
        String id = workerId != null ? workerId : "worker-" + UUID.randomUUID().toString().substring(0, 8);
        boolean random = model == null;
        Backend device = backend.select(System.err);
        String modelRef = ModelOption.resolve(model, System.err);
        try (Checkpoint checkpoint = CheckpointLoader.load(modelRef)) {
            GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
            int limit = Math.min(context, checkpoint.config().contextLength());
            try (ModelExecutor executor = device.open(Gemma3Weights.from(checkpoint),
                    new ExecutorOptions(threads, limit))) {
                ServedModel served = new ServedModel(id, modelRef, random ? "tiny-random (RANDOM WEIGHTS)"
                        : Path.of(modelRef).getFileName().toString(), limit, random);
                WorkerConfig config = new WorkerConfig(bootstrap, kafka, group, FleetTopics.fromProperties(props),
                        IntakeMode.parse(intake), batchSize, drainTimeout, deliveryLimit, acceptImages, httpPort,
                        Clock.systemUTC());
                WorkerService service = new WorkerService(config, tokenizer,
                        EngineRuntime.single(executor, tokenizer, served, batchSize));
                CountDownLatch done = new CountDownLatch(1);
                // SIGTERM/SIGINT: drain within the deadline, then let the JVM exit.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    System.err.println("draining (up to " + drainTimeout + ") ...");
                    service.drain();
                    done.countDown();
                }));
                service.start();
                System.err.println("worker " + id + " serving (intake " + service.intakeMode() + ", http "
                        + service.httpPort() + ")");
                done.await();
            }
        }
        return 0;
    }
}
