package io.gemmafleet.worker;

import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.schemas.FleetTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

/**
 * A worker's settings.
 *
 * @param kafka extra client properties (security, timeouts) applied to every client
 * @param batchSize most jobs handed to the runtime at once
 * @param drainTimeout on SIGTERM, how long to keep finishing received jobs before releasing the rest
 * @param deliveryLimit share groups: the delivery on which a job is failed and dead-lettered instead of run; keep
 *     it at most the broker's {@code group.share.delivery.count.limit} (default 5) so no job is archived silently
 * @param acceptImages also consume the image topic (and answer image jobs: unsupported_input on a text runtime)
 * @param httpPort port of /metrics and /health (0 = ephemeral, negative = none)
 * @param clock time for deadlines and timings; tests inject a fixed one
 */
public record WorkerConfig(String bootstrapServers, Properties kafka, String groupId, FleetTopics topics,
                           IntakeMode intakeMode, int batchSize, Duration drainTimeout, int deliveryLimit,
                           boolean acceptImages, int httpPort, Clock clock) {

    public static WorkerConfig defaults(String bootstrapServers) {
        return new WorkerConfig(bootstrapServers, new Properties(), "gemma-fleet-workers", FleetTopics.defaults(),
                IntakeMode.AUTO, 8, Duration.ofSeconds(30), 5, false, -1, Clock.systemUTC());
    }

    public WorkerConfig withIntakeMode(IntakeMode mode) {
        return new WorkerConfig(bootstrapServers, kafka, groupId, topics, mode, batchSize, drainTimeout,
                deliveryLimit, acceptImages, httpPort, clock);
    }

    public WorkerConfig withBatchSize(int n) {
        return new WorkerConfig(bootstrapServers, kafka, groupId, topics, intakeMode, n, drainTimeout,
                deliveryLimit, acceptImages, httpPort, clock);
    }

    public WorkerConfig withTopics(FleetTopics t) {
        return new WorkerConfig(bootstrapServers, kafka, groupId, t, intakeMode, batchSize, drainTimeout,
                deliveryLimit, acceptImages, httpPort, clock);
    }

    public WorkerConfig withGroupId(String g) {
        return new WorkerConfig(bootstrapServers, kafka, g, topics, intakeMode, batchSize, drainTimeout,
                deliveryLimit, acceptImages, httpPort, clock);
    }

    public WorkerConfig withHttpPort(int port) {
        return new WorkerConfig(bootstrapServers, kafka, groupId, topics, intakeMode, batchSize, drainTimeout,
                deliveryLimit, acceptImages, port, clock);
    }

    public WorkerConfig withClock(Clock c) {
        return new WorkerConfig(bootstrapServers, kafka, groupId, topics, intakeMode, batchSize, drainTimeout,
                deliveryLimit, acceptImages, httpPort, c);
    }

    public WorkerConfig withDrainTimeout(Duration d) {
        return new WorkerConfig(bootstrapServers, kafka, groupId, topics, intakeMode, batchSize, d,
                deliveryLimit, acceptImages, httpPort, clock);
    }

    /** Base client properties: bootstrap servers over the extra ones. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
