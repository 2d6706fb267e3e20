package io.gemmafleet.gateway;

import io.gemmafleet.gateway.auth.ApiKeys;
import io.gemmafleet.gateway.media.ImageUrlPolicy;
import io.gemmafleet.gateway.media.MediaLimits;
import io.gemmafleet.gateway.media.UrlAllowList;
import io.gemmafleet.schemas.FleetProperties;
import io.gemmafleet.schemas.FleetTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gemma-fleet gateway}: serves the HTTP job API in front of Kafka until SIGTERM. */
@Command(name = "gateway", mixinStandardHelpOptions = true, sortOptions = false,
        description = "HTTP job API in front of Kafka: POST /v1/jobs, GET /v1/jobs/{id}, /metrics, /health/*.")
public final class GatewayCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers HOST:PORT[,...]")
    String bootstrap;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "listen address (${DEFAULT-VALUE})")
    String host;

    @Option(names = "--api-keys", description = "file of NAME:SHA256HEX lines; when given every request needs "
            + "'Authorization: Bearer KEY' (hash a key: printf %%s KEY | sha256sum)")
    Path apiKeys;

    @Option(names = "--send-timeout", defaultValue = "PT3S",
            description = "longest wait for Kafka's acknowledgement before answering 503 (${DEFAULT-VALUE})")
    Duration sendTimeout;

    @Option(names = "--max-request-bytes", description = "largest job document, images inlined "
            + "(default: the job topics' max.message.bytes, which it may not exceed)")
    Integer maxRequestBytes;

    @Option(names = "--max-image-bytes", defaultValue = "2097152",
            description = "most decoded bytes of one image, video frame or clip (${DEFAULT-VALUE})")
    long maxImageBytes;

    @Option(names = "--max-images", defaultValue = "32",
            description = "most images in one job, each video frame or clip counting as one (${DEFAULT-VALUE})")
    int maxImages;

    @Option(names = "--image-url-allow", split = ",", description = "image URLs the gateway fetches and inlines "
            + "(repeatable or comma-separated): hosts (img.example.com, *.example.com; https only) or URL prefixes "
            + "(https://cdn.example.com/public/). Default: none, and a job with an image URL is refused")
    List<String> imageUrlAllow = List.of();

    @Option(names = "--image-fetch-timeout", defaultValue = "PT10S",
            description = "longest fetch of one image URL, redirects included (${DEFAULT-VALUE})")
    Duration imageFetchTimeout;

    @Option(names = "--config", description = "properties file: gemma.topics.* and kafka.* (client settings)")
    Path configFile;

    @Option(names = "-D", description = "a property, as in --config (repeatable): -Dgemma.topics.text=my.jobs")
    Map<String, String> properties = Map.of();

    @Override
    public Integer call() throws Exception {
        GatewayConfig config = config();
        CountDownLatch stopped = new CountDownLatch(1);
        GatewayServer gateway = GatewayServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }));
        System.err.println("gateway on http://localhost:" + gateway.port() + "/v1/jobs (Kafka " + bootstrap + ")");
        stopped.await();
        return 0;
    }

    GatewayConfig config() throws java.io.IOException {
        Properties props = FleetProperties.load(configFile, properties);
        Properties kafka = FleetProperties.kafkaClient(props);
        if (apiKeys != null && !Files.isReadable(apiKeys)) {
            throw new IllegalArgumentException("cannot read the API key file " + apiKeys);
        }
        ApiKeys keys = apiKeys == null ? ApiKeys.none() : ApiKeys.parse(Files.readAllLines(apiKeys));
        if (apiKeys != null && !keys.enabled()) {
            throw new IllegalArgumentException(apiKeys + " holds no API keys");
        }
        return new GatewayConfig(bootstrap, kafka, FleetTopics.fromProperties(props), host, port, keys, sendTimeout,
                2, Clock.systemUTC(), maxRequestBytes, new MediaLimits(maxImageBytes, maxImages),
                ImageUrlPolicy.NONE.withAllow(UrlAllowList.parse(imageUrlAllow)).withTimeout(imageFetchTimeout));
    }
}
