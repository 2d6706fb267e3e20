package io.gemmafleet.launcher;

import io.gemmafleet.cli.BackendOption;
import io.gemmafleet.cli.CliErrors;
import io.gemmafleet.cli.WorkerCommand;
import io.gemmafleet.gateway.GatewayConfig;
import io.gemmafleet.gateway.GatewayServer;
import io.gemmafleet.kafka.EmbeddedKafka;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gemma-fleet dev}: a whole fleet in one process — a real Kafka broker (in-process KRaft), the gateway and
 * one worker — until Ctrl-C, which drains the worker before the broker stops. Without {@code --model} the worker
 * serves a random-weight tiny model, and every result says so ({@code served_by.random_weights: true}).
 */
@Command(name = "dev", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run Kafka, the gateway and one worker in one process (a local fleet to try the API).")
public final class DevCommand implements Callable<Integer> {

    /** An 8×8 PNG (blue over green), base64: the banner's and the README's example image job. */
    static final String EXAMPLE_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAGUlEQVR4XmMwTjuDFTFgCpEvscoFK6KiBAAhd1D"
            + "BodiBegAAAABJRU5ErkJggg==";

    @Option(names = "--model", description = "GGUF file, Hugging Face folder or ollama:NAME[:TAG] "
            + "(default: a random-weight tiny test model, labelled as such in every result)")
    String model;

    @Mixin
    BackendOption backend;

    @Option(names = "--port", defaultValue = "8080", description = "gateway HTTP port (${DEFAULT-VALUE})")
    int port;

    @Option(names = "--threads", defaultValue = "0", description = "worker compute threads (0 = all cores)")
    int threads;

    @Override
    public Integer call() throws Exception {
        // A bad --backend fails here, before the broker starts; the worker resolves it again and says what it chose.
        backend.select(notice -> {});
        EmbeddedKafka kafka = EmbeddedKafka.start();
        GatewayServer gateway = GatewayServer.start(GatewayConfig.defaults(kafka.bootstrapServers()).withPort(port));
        AtomicInteger workerExit = new AtomicInteger();
        Thread worker = Thread.ofPlatform().name("dev-worker").start(() ->
                workerExit.set(CliErrors.execute(new CommandLine(new WorkerCommand()), workerArgs(kafka))));
        // The worker's own hook drains it on Ctrl-C; the broker must outlive that drain, so stop it last.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(gateway, worker, kafka)));
        printBanner(kafka, gateway);
        worker.join(); // returns early only if the worker failed to start (bad --model, ...)
        stop(gateway, worker, kafka);
        return workerExit.get() == 0 ? 0 : 1;
    }

    private String[] workerArgs(EmbeddedKafka kafka) {
        List<String> args = new ArrayList<>(List.of("--bootstrap", kafka.bootstrapServers(), "--worker-id", "dev-1",
                "--http-port", "0", "--threads", Integer.toString(threads), "--backend", backend.choice(),
                // The only worker takes the image topic too: it serves image jobs if it can, else answers them
                // unsupported_input (a text-only model, or a backend without vision) instead of leaving them queued.
                "--accept-images"));
        if (model != null) {
            args.addAll(List.of("--model", model));
        }
        return args.toArray(String[]::new);
    }

    private void printBanner(EmbeddedKafka kafka, GatewayServer gateway) {
        String url = "http://localhost:" + gateway.port();
        System.out.println();
        System.out.println("gemma-fleet dev: Kafka at " + kafka.bootstrapServers() + ", gateway at " + url);
        System.out.println(model == null
                ? "model: random-weight tiny test model (RANDOM WEIGHTS: the text is meaningless; every result "
                        + "says so in served_by.random_weights). Pass --model for a real one."
                : "model: " + model);
        System.out.println("try:");
        System.out.println("  curl -si " + url + "/v1/jobs -H 'Content-Type: application/json' \\");
        System.out.println("       -d '{\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}],"
                + "\"sampling\":{\"max_tokens\":32}}'");
        System.out.println("  curl -s " + url + "/v1/jobs/JOB_ID      # queued | running | succeeded ...");
        System.out.println("  # an image job (served when the model has a vision tower; the default one has):");
        System.out.println("  curl -si " + url + "/v1/jobs -H 'Content-Type: application/json' \\");
        System.out.println("       -d '{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"What is in this image?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":"
                + "\"data:image/png;base64," + EXAMPLE_PNG + "\"}}]}],\"sampling\":{\"max_tokens\":32}}'");
        System.out.println("  curl -s " + url + "/metrics ; curl -s " + url + "/health/ready");
        System.out.println("Ctrl-C stops everything (the worker drains first).");
        System.out.println();
    }

    private static synchronized void stop(GatewayServer gateway, Thread worker, EmbeddedKafka kafka) {
        gateway.close();
        try {
            worker.join(45_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kafka.close();
    }
}
