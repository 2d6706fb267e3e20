package io.gemmafleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.Sampling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The e2e scenario against Kafka in a container, where Docker exists; JUnit reports the class skipped with
 * "Docker is not available" where it does not (the in-process broker suite always runs).
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersFleetTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

    @TempDir
    Path modelDir;

    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void twoHundredJobsTwoWorkersEachExactlyOneTerminalResult(IntakeMode mode) throws Exception {
        try (FleetHarness h = new FleetHarness(KAFKA.getBootstrapServers(), modelDir, "tc-" + mode.name())) {
            h.startWorker("a", mode, 8);
            h.startWorker("b", mode, 8);
            Thread.sleep(3000);
            Set<String> ids = new TreeSet<>();
            for (int i = 0; i < 200; i++) {
                String id = "tc-" + mode + "-" + i;
                ids.add(id);
                h.send(id, h.codec.encode(JobRequest.chat(id, "hello " + i, Sampling.greedy(3))));
            }
            h.flush();
            Map<String, List<JobResult>> results = h.results(r -> r.keySet().containsAll(ids), Duration.ofSeconds(120));
            assertEquals(ids, results.keySet());
            results.values().forEach(rs -> assertEquals(1, rs.size()));
        }
    }
}
