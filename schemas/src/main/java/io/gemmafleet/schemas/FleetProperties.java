package io.gemmafleet.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The settings file every fleet process reads ({@code --config FILE} plus {@code -Dkey=value} overrides):
 * {@code gemma.topics.*} for {@link FleetTopics} and {@code kafka.*} for client properties. One reader, so the
 * worker and the gateway agree on what a file means.
 */
public final class FleetProperties {

    public static final String KAFKA_PREFIX = "kafka.";

    private FleetProperties() {}

    /** The file's properties (none when {@code file} is null) with {@code overrides} on top. */
    public static Properties load(Path file, Map<String, String> overrides) throws IOException {
        Properties props = new Properties();
        if (file != null) {
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            }
        }
        props.putAll(overrides);
        return props;
    }

    /** The {@code kafka.*} entries with the prefix removed: extra Kafka client properties (security, timeouts). */
    public static Properties kafkaClient(Properties all) {
        Properties kafka = new Properties();
        for (String k : all.stringPropertyNames()) {
            if (k.startsWith(KAFKA_PREFIX)) {
                kafka.setProperty(k.substring(KAFKA_PREFIX.length()), all.getProperty(k));
            }
        }
        return kafka;
    }
}
