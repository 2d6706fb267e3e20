package io.gemmafleet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.gateway.GatewayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The gateway → worker → gateway round trip against Apache Kafka in a container, where Docker exists (skipped, and
 * reported as such, where it does not): the same code paths as on the in-process broker, on a stock broker image.
 */
@Testcontainers(disabledWithoutDocker = true)
class FleetThroughGatewayContainerTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

    @TempDir
    Path dir;

    @Test
    void aJobSubmittedOverHttpSucceeds() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        try (LocalFleet fleet = new LocalFleet(KAFKA.getBootstrapServers(), dir, "tc")) {
            GatewayServer g = fleet.gateway();
            fleet.worker("w1");
            URI jobs = URI.create("http://localhost:" + g.port() + "/v1/jobs");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(jobs).POST(HttpRequest.BodyPublishers
                    .ofString("{\"prompt\":\"hi\",\"sampling\":{\"max_tokens\":2}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, r.statusCode(), r.body());
            URI location = jobs.resolve(r.headers().firstValue("Location").orElseThrow());
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String status;
            do {
                Thread.sleep(100);
                status = json.readTree(http.send(HttpRequest.newBuilder(location).build(),
                        HttpResponse.BodyHandlers.ofString()).body()).get("status").asText();
            } while (!status.equals("succeeded") && System.nanoTime() < end);
            assertEquals("succeeded", status);
        }
    }
}
