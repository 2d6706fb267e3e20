package io.gemmafleet.cli;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.MemoryBudget;
import io.gemmafleet.backend.cpu.CpuBackend;
import io.gemmafleet.engine.EngineConfig;
import io.gemmafleet.engine.KvFootprint;
import io.gemmafleet.engine.MemoryPlanner;
import io.gemmafleet.engine.ladder.ByteSize;
import io.gemmafleet.engine.ladder.FallbackLadder;
import io.gemmafleet.engine.ladder.LadderConfig;
import io.gemmafleet.engine.ladder.LadderMetrics;
import io.gemmafleet.engine.ladder.LadderPlan;
import io.gemmafleet.engine.ladder.ModelLadder;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.schemas.FleetProperties;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.worker.EngineRuntime;
import io.gemmafleet.worker.LadderFallback;
import io.gemmafleet.worker.LoadedModel;
import io.gemmafleet.worker.WorkerConfig;
import io.gemmafleet.worker.WorkerService;
import io.gemmafleet.worker.vision.VisionServing;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gemma-fleet worker}: plans which model of its ladder fits the memory it has, loads it, and serves jobs from
 * Kafka until SIGTERM, then drains. A ladder that does not fit even at the context floor is a one-line refusal with
 * the numbers (exit code 2), before any broker is contacted.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve inference jobs from Kafka with one resident model (stateless; run any number).")
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers HOST:PORT[,...]")
    String bootstrap;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "GGUF file, Hugging Face folder or ollama:NAME[:TAG] "
            + "(default: a random-weight tiny test model, labelled as such in every result)")
    String model;

    @Option(names = "--ladder", split = ",", paramLabel = "MODEL", description = "models to try in order, largest "
            + "first (e.g. a bf16 model, then its QAT Q4_0): the first that fits the memory at the context is served, "
            + "the others are the fallback (default: --model alone)")
    List<String> ladder;

    @Mixin
    BackendOption backend;

    @Option(names = "--group", defaultValue = "gemma-fleet-workers", description = "consumer/share group (${DEFAULT-VALUE})")
    String group;

    @Option(names = "--intake", defaultValue = "auto", description = "auto, share or classic (${DEFAULT-VALUE})")
    String intake;

    @Option(names = "--batch-size", defaultValue = "8", description = "most jobs running at once (${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--step-tokens", defaultValue = "" + EngineConfig.DEFAULT_STEP_TOKENS,
            description = "most tokens one forward step feeds, half at most for one prompt; smaller = shorter waits "
                    + "behind long prompts, larger = faster prefill (${DEFAULT-VALUE})")
    int stepTokens;

    @Option(names = "--threads", defaultValue = "0", description = "compute threads (0 = all cores)")
    int threads;

    @Option(names = "--context", defaultValue = "4096", description = "desired context limit per job; halved "
            + "down to --context-floor when memory is short (${DEFAULT-VALUE})")
    int context;

    @Option(names = "--context-floor", paramLabel = "N", description = "shortest context the ladder may halve to "
            + "(default: " + LadderConfig.DEFAULT_FLOOR + ", or --context when shorter)")
    Integer contextFloor;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = SizeConverter.class, description = "memory "
            + "for weights + activations + KV cache, e.g. 8GiB, 512MiB (CPU default: physical memory; on a GPU it "
            + "caps the measured budget)")
    Long memoryBudget;

    @Option(names = "--gpu-memory-utilisation", paramLabel = "F", defaultValue = "0.90", description = "fraction "
            + "of the GPU's free memory to plan into (${DEFAULT-VALUE})")
    double gpuUtilisation;

    @Option(names = "--plan-only", description = "print the start plan of the model ladder and exit, connecting "
            + "to nothing")
    boolean planOnly;

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

    @Mixin
    VisionOptions vision;

    @Option(names = "--config", description = "properties file: gemma.topics.* and kafka.* (client settings)")
    Path configFile;

    @Option(names = "-D", description = "a property, as in --config (repeatable): -Dgemma.topics.text=my.jobs")
    Map<String, String> properties = Map.of();

    @Override
    public Integer call() throws Exception {
        Properties props = FleetProperties.load(configFile, properties);
        Properties kafka = FleetProperties.kafkaClient(props);
        String id = workerId != null ? workerId : "worker-" + UUID.randomUUID().toString().substring(0, 8);
        boolean random = model == null && ladder == null;
        Backend device = backend.select(System.err);
        if (stepTokens < 2 || batchSize < 1) {
            throw new CliErrors.UsageError(spec.commandLine(), "Invalid value: --step-tokens must be at least 2 and "
                    + "--batch-size at least 1 (got " + stepTokens + ", " + batchSize + ")");
        }
        vision.validate();
        LadderConfig ladderConfig = ladderConfig();
        ModelLadder models = ModelLadder.probe(ladderConfig.models(), device);
        long visionBytes = vision.plannedBytes(device, ladderConfig.models().getFirst());
        MemoryBudget budget = lessTheVisionTower(
                device.memoryBudget(ladderConfig.gpuUtilisation(), ladderConfig.memoryBudget()), visionBytes);
        FallbackLadder fallback = new FallbackLadder(models, planner(device, batchSize, stepTokens),
                ladderConfig.desiredContext(), ladderConfig.floorContext(), budget, line -> System.err.println(line));
        LadderPlan plan;
        try {
            plan = fallback.start();
        } catch (MemoryPlanner.PlanRefusedException e) {
            throw new CliErrors.UsageError(spec.commandLine(), "error: refusing to start: " + e.getMessage());
        }
        warnIfHeapTooSmall(device, plan, visionBytes);
        if (planOnly) {
            System.out.println(plan.describe());
            return 0;
        }
        LadderFallback rungs = new LadderFallback(fallback, device, threads, id, random, batchSize, stepTokens);
        LoadedModel first = rungs.open(plan);
        GemmaTokenizer tokenizer = rungs.tokenizer();
        try (EngineRuntime runtime = new EngineRuntime(first, tokenizer, rungs, System::nanoTime);
             VisionServing images = vision.open(device, plan.modelRef(), first.executor().config().hiddenSize(),
                     threads, tokenizer, System.err)) {
            WorkerConfig config = new WorkerConfig(bootstrap, kafka, group, FleetTopics.fromProperties(props),
                    IntakeMode.parse(intake), batchSize, drainTimeout, deliveryLimit, acceptImages, httpPort,
                    Clock.systemUTC());
            WorkerService service = new WorkerService(config, tokenizer, runtime, images);
            LadderMetrics.register(service.metrics().registry(), fallback);
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
        return 0;
    }

    /** The ladder options, checked: a bad combination is a usage error (one line, exit code 2). */
    private LadderConfig ladderConfig() throws java.io.IOException {
        if (ladder != null && model != null) {
            throw new CliErrors.UsageError(spec.commandLine(),
                    "Invalid value: give --model or --ladder, not both (a --model is a one-rung ladder)");
        }
        List<String> refs = ladder != null ? ladder : List.of(ModelOption.resolve(model, System.err));
        int floor = contextFloor != null ? contextFloor : LadderConfig.defaultFloor(context);
        try {
            return new LadderConfig(refs, context, floor,
                    memoryBudget == null ? OptionalLong.empty() : OptionalLong.of(memoryBudget), gpuUtilisation);
        } catch (IllegalArgumentException e) {
            throw new CliErrors.UsageError(spec.commandLine(), "Invalid value: " + e.getMessage());
        }
    }

    /**
     * The planner for this worker's backend: an f32 cache, which the CPU pages with the engine so sliding-window
     * layers keep only their window (the CUDA executor still keeps every position); activations for one step of
     * {@code stepTokens} tokens and a logit row per job of a batch.
     */
    static MemoryPlanner planner(Backend device, int batchSize, int stepTokens) {
        boolean windowed = device.name().equals(CpuBackend.NAME);
        return new MemoryPlanner(new KvFootprint(Float.BYTES, windowed), stepTokens, Math.max(1, batchSize));
    }

    /** The budget the text model is planned in: what the vision tower will hold is set aside first. */
    private MemoryBudget lessTheVisionTower(MemoryBudget budget, long visionBytes) {
        if (visionBytes == 0) {
            return budget;
        }
        if (visionBytes >= budget.bytes()) {
            throw new CliErrors.UsageError(spec.commandLine(), "error: refusing to start: the vision tower needs "
                    + ByteSize.format(visionBytes) + " (weights and one --image-batch of activations), more than the "
                    + "memory budget of " + ByteSize.format(budget.bytes()) + " (" + budget.source() + ")");
        }
        System.err.println("vision: " + ByteSize.format(visionBytes) + " set aside for the tower (weights and one "
                + "--image-batch of activations)");
        return new MemoryBudget(budget.bytes() - visionBytes,
                budget.source() + ", less " + ByteSize.format(visionBytes) + " for the vision tower");
    }

    /**
     * On the CPU the KV cache, the activations and the vision tower (its packed weights and one image batch) live on
     * the heap (the text weights are mapped): say so if -Xmx is short.
     */
    private static void warnIfHeapTooSmall(Backend device, LadderPlan plan, long visionBytes) {
        long heapNeed = plan.plan().kvBytes() + plan.plan().activationBytes() + visionBytes;
        long heap = Runtime.getRuntime().maxMemory();
        if (device.name().equals(CpuBackend.NAME) && heapNeed > heap) {
            System.err.println("warning: the plan's KV cache and activations" + (visionBytes > 0 ? " and the vision "
                    + "tower" : "") + " (" + ByteSize.format(heapNeed) + ") exceed the JVM heap limit ("
                    + ByteSize.format(heap) + "); raise -Xmx");
        }
    }

    /** {@code --memory-budget}: 8GiB, 512MiB, 1.5G, bytes (see {@link ByteSize}). */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return ByteSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
