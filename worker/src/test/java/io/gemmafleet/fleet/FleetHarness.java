package io.gemmafleet.fleet;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ExecutorOutOfMemoryException;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.backend.cpu.vision.CpuVisionEncoder;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.results.TopicBootstrap;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TinyModels;
import io.gemmafleet.testmodel.VisionTestModels;
import io.gemmafleet.worker.EngineRuntime;
import io.gemmafleet.worker.Fallback;
import io.gemmafleet.worker.ForwardingExecutor;
import io.gemmafleet.worker.ForwardingRuntime;
import io.gemmafleet.worker.InferenceRuntime;
import io.gemmafleet.worker.LoadedModel;
import io.gemmafleet.worker.ServedModel;
import io.gemmafleet.worker.WorkerConfig;
import io.gemmafleet.worker.WorkerService;
import io.gemmafleet.worker.vision.MediaReader;
import io.gemmafleet.worker.vision.VisionServing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test fixture around a real broker: starts workers on the tiny random model (one compute thread each), produces
 * job records straight onto Kafka and reads back results and dead letters. Closes what it started. A multimodal
 * harness serves the tiny multimodal model instead (its mmproj beside it), so it can also start vision workers.
 */
final class FleetHarness implements AutoCloseable {

    final String bootstrap;
    final FleetTopics topics;
    final JobCodec codec = new JobCodec();
    private final Properties topicProperties;
    private final Path modelFile;
    /** The vision tower + projector beside the model; null for a text-only harness. */
    private final Path mmproj;
    private final Checkpoint checkpoint;
    private final GemmaTokenizer tokenizer;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;

    FleetHarness(String bootstrap, Path modelDir, String prefix) {
        this(bootstrap, modelDir, prefix, false);
    }

    /** @param multimodal serve the tiny multimodal model (text decoder + mmproj), so vision workers can start */
    FleetHarness(String bootstrap, Path modelDir, String prefix, boolean multimodal) {
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.setProperty("gemma.topics.text", prefix + ".jobs.text");
        p.setProperty("gemma.topics.image", prefix + ".jobs.image");
        p.setProperty("gemma.topics.results", prefix + ".results");
        p.setProperty("gemma.topics.dead-letter", prefix + ".dead-letter");
        p.setProperty("gemma.topics.status", prefix + ".status");
        p.setProperty("gemma.topics.cancel", prefix + ".cancel");
        p.setProperty("gemma.topics.job-partitions", "2");
        p.setProperty("gemma.topics.results-partitions", "2");
        this.topics = FleetTopics.fromProperties(p);
        this.topicProperties = p;
        // Topics exist before anything is sent, as in a provisioned estate: a producer racing the creation of its
        // topic by a starting worker can hit a new partition mid-election and stall on out-of-order sequences.
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap))) {
            TopicBootstrap.ensureTopics(admin, topics);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the fleet topics", e);
        }
        if (multimodal) {
            var written = VisionTestModels.writeGguf(modelDir, "tiny-vision", TestModelDtype.Q8_0,
                    TestMmprojDtype.F32);
            this.modelFile = written.path();
            this.mmproj = written.mmproj();
        } else {
            this.modelFile = TinyModels.writeGguf(modelDir);
            this.mmproj = null;
        }
        this.checkpoint = CheckpointLoader.load(modelFile.toString());
        this.tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20),
                new StringSerializer(), new ByteArraySerializer());
    }

    WorkerService startWorker(String id, IntakeMode mode, int batchSize) throws Exception {
        return startWorker(id, mode, batchSize, Duration.ZERO);
    }

    /** A worker whose every batch takes {@code batchDelay} longer (a long generation, for lock-renewal tests). */
    WorkerService startWorker(String id, IntakeMode mode, int batchSize, Duration batchDelay) throws Exception {
        ModelExecutor executor = new CpuBackend().open(Gemma3Weights.from(checkpoint), new ExecutorOptions(1, 256));
        open.add(executor);
        Properties kafka = new Properties();
        if (mode == IntakeMode.CLASSIC) {
            // A crashed classic member is noticed after its session timeout: keep it short for the kill test.
            kafka.setProperty("session.timeout.ms", "6000");
            kafka.setProperty("heartbeat.interval.ms", "1000");
        }
        WorkerConfig config = new WorkerConfig(bootstrap, kafka, "workers-" + topics.textJobs(), topics, mode,
                batchSize, Duration.ofSeconds(10), 5, false, -1, java.time.Clock.systemUTC());
        ServedModel served = new ServedModel(id, "tiny.gguf", "tiny-random", 256, true);
        InferenceRuntime runtime = EngineRuntime.single(executor, tokenizer, served, batchSize);
        WorkerService w = new WorkerService(config, tokenizer, slowed(runtime, batchDelay));
        open.add(0, w);
        w.start();
        return w;
    }

    /**
     * A worker that also serves image and video jobs (it consumes the image topic too): the CPU executor at
     * {@code context} plus the tiny vision tower ({@link CpuVisionEncoder}, one thread), default media settings.
     * Needs a multimodal harness.
     */
    WorkerService startVisionWorker(String id, IntakeMode mode, int batchSize, int context) throws Exception {
        if (mmproj == null) {
            throw new IllegalStateException("a vision worker needs a multimodal harness");
        }
        ModelExecutor executor = new CpuBackend().open(Gemma3Weights.from(checkpoint),
                new ExecutorOptions(1, context));
        open.add(executor);
        VisionWeights weights = VisionCheckpoints.loadMmproj(mmproj);
        CpuVisionEncoder encoder = CpuVisionEncoder.create(weights, 1);
        open.add(encoder);  // closed before the weights it reads
        open.add(weights);
        VisionServing vision = VisionServing.of(encoder, tokenizer, MediaReader.Settings.defaults(), 8, 64L << 20);
        WorkerConfig config = new WorkerConfig(bootstrap, new Properties(), "workers-" + topics.textJobs(), topics,
                mode, batchSize, Duration.ofSeconds(10), 5, false, -1, java.time.Clock.systemUTC());
        ServedModel served = new ServedModel(id, modelFile.getFileName().toString(), "tiny-random", context, true);
        WorkerService w = new WorkerService(config, tokenizer, EngineRuntime.single(executor, tokenizer, served,
                batchSize), vision);
        open.add(0, w);
        w.start();
        return w;
    }

    /**
     * A worker whose first model runs out of memory on its {@code failAtStep}-th step (an injected
     * {@link ExecutorOutOfMemoryException}); its fallback ladder then serves the same tiny model at context 128 as
     * rung 1 ({@code "tiny-fallback"}).
     */
    WorkerService startWorkerThatRunsOutOfMemory(String id, IntakeMode mode, int batchSize, int failAtStep)
            throws Exception {
        ModelExecutor first = new CpuBackend().open(Gemma3Weights.from(checkpoint), new ExecutorOptions(1, 256));
        open.add(first);
        AtomicInteger steps = new AtomicInteger();
        ModelExecutor failing = new ForwardingExecutor(first) {
            @Override
            public float[][] step(StepBatch batch) {
                if (steps.incrementAndGet() >= failAtStep) {
                    throw new ExecutorOutOfMemoryException("injected: out of memory on step " + steps.get());
                }
                return super.step(batch);
            }

            @Override
            public void close() {
                // `first` is closed with the harness
            }
        };
        ServedModel served = new ServedModel(id, "tiny.gguf", "tiny-random", 256, true, "tiny");
        Fallback ladder = (current, outOfMemory) -> {
            ModelExecutor second = new CpuBackend().open(Gemma3Weights.from(checkpoint), new ExecutorOptions(1, 128));
            open.add(second);
            return Optional.of(new LoadedModel(second, EngineConfig.forWorker(second.config(), batchSize, 128),
                    new ServedModel(id, "tiny.gguf", "tiny-random", 128, true, "tiny-fallback"), 1, null));
        };
        LoadedModel start = new LoadedModel(failing, EngineConfig.forWorker(first.config(), batchSize, 256), served,
                0, null);
        WorkerConfig config = new WorkerConfig(bootstrap, new Properties(), "workers-" + topics.textJobs(), topics,
                mode, batchSize, Duration.ofSeconds(10), 5, false, -1, java.time.Clock.systemUTC());
        WorkerService w = new WorkerService(config, tokenizer, new EngineRuntime(start, tokenizer, ladder,
                System::nanoTime));
        open.add(0, w);
        w.start();
        return w;
    }

    /**
     * The runtime, but the first step after new requests arrive takes {@code delay} longer: each wave of jobs then
     * takes at least that long, like a long generation (for lock-renewal tests).
     */
    private static InferenceRuntime slowed(InferenceRuntime runtime, Duration delay) {
        if (delay.isZero()) {
            return runtime;
        }
        return new ForwardingRuntime(runtime) {
            private boolean arrived;

            @Override
            public void submit(GenerationRequest request) {
                arrived = true;
                super.submit(request);
            }

            @Override
            public List<GenerationResult> step() {
                if (arrived) {
                    arrived = false;
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                }
                return super.step();
            }
        };
    }

    /**
     * Starts a worker as a separate JVM (the real {@code worker} command on the same tiny model, topics and group
     * as {@link #startWorker}), so a test can end it with a real SIGTERM or SIGKILL. Its output goes to
     * {@code log}.
     */
    Process startWorkerProcess(String id, IntakeMode mode, int batchSize, Duration drainTimeout, Path log)
            throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.gemmafleet.cli.WorkerCli", "worker", "--bootstrap", bootstrap, "--model", modelFile.toString(),
                "--backend", "cpu", "--intake", mode.name().toLowerCase(), "--batch-size", Integer.toString(batchSize),
                "--threads", "1", "--context", "256", "--http-port", "-1", "--worker-id", id,
                "--drain-timeout", drainTimeout.toString(), "--group", "workers-" + topics.textJobs()));
        for (String name : topicProperties.stringPropertyNames()) {  // the same topics as the in-process workers
            command.add("-D" + name + "=" + topicProperties.getProperty(name));
        }
        if (mode == IntakeMode.CLASSIC) {
            command.add("-Dkafka.session.timeout.ms=6000");
            command.add("-Dkafka.heartbeat.interval.ms=1000");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Tokens of {@code text} as the served model's tokenizer splits it (special tokens atomic, no BOS added). */
    int tokenCount(String text) {
        return tokenizer.encode(text, false).length;
    }

    void send(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topics.textJobs(), key, value));
    }

    /** Produces onto the image-jobs topic, where the gateway puts jobs with images or video. */
    void sendImageJob(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topics.imageJobs(), key, value));
    }

    void flush() {
        producer.flush();
    }

    /** Reads the results topic from the start until {@code done} holds for the results per job id, or the timeout. */
    Map<String, List<JobResult>> results(Predicate<Map<String, List<JobResult>>> done, Duration timeout) {
        Map<String, List<JobResult>> byJob = new HashMap<>();
        readAll(topics.results(), timeout, r -> {
            byJob.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(codec.decodeResult(r.value()));
            return done.test(byJob);
        });
        return byJob;
    }

    List<ConsumerRecord<String, byte[]>> deadLetters(int expected, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        readAll(topics.deadLetter(), timeout, r -> {
            out.add(r);
            return out.size() >= expected;
        });
        return out;
    }

    private void readAll(String topic, Duration timeout, Predicate<ConsumerRecord<String, byte[]>> stop) {
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap, ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long end = System.nanoTime() + timeout.toNanos();
            boolean stopped = false;
            while (!stopped && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    stopped |= stop.test(r);
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: a killed worker may already be closed
            }
        }
        producer.close();
        checkpoint.close();
    }
}
