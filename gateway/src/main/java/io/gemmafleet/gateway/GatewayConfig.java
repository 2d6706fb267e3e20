package io.gemmafleet.gateway;

import io.gemmafleet.gateway.auth.ApiKeys;
import io.gemmafleet.gateway.media.ImageUrlPolicy;
import io.gemmafleet.gateway.media.MediaLimits;
import io.gemmafleet.schemas.FleetTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

/**
 * A gateway's settings.
 *
 * @param kafka extra client properties (security, timeouts) applied to every Kafka client
 * @param port HTTP port (0 = ephemeral)
 * @param sendTimeout the longest a submission waits for Kafka's acknowledgement before answering 503
 * @param retryAfterSeconds the {@code Retry-After} of a 503
 * @param clock the time written as a job's {@code submitted_at}; tests inject a fixed one
 * @param maxRequestBytes the largest job document, as received and once its image URLs are inlined; null = the
 *     job topics' {@code max.message.bytes}, which it may not exceed
 * @param media limits on a job's images
 * @param imageUrls which image URLs the gateway fetches (and inlines) for clients; none by default
 */
public record GatewayConfig(String bootstrapServers, Properties kafka, FleetTopics topics, String host, int port,
                            ApiKeys apiKeys, Duration sendTimeout, int retryAfterSeconds, Clock clock,
                            Integer maxRequestBytes, MediaLimits media, ImageUrlPolicy imageUrls) {

    public static GatewayConfig defaults(String bootstrapServers) {
        return new GatewayConfig(bootstrapServers, new Properties(), FleetTopics.defaults(), "0.0.0.0", 8080,
                ApiKeys.none(), Duration.ofSeconds(3), 2, Clock.systemUTC(), null, MediaLimits.DEFAULTS,
                ImageUrlPolicy.NONE);
    }

    public GatewayConfig withPort(int p) {
        return new GatewayConfig(bootstrapServers, kafka, topics, host, p, apiKeys, sendTimeout, retryAfterSeconds,
                clock, maxRequestBytes, media, imageUrls);
    }

    public GatewayConfig withTopics(FleetTopics t) {
        return new GatewayConfig(bootstrapServers, kafka, t, host, port, apiKeys, sendTimeout, retryAfterSeconds,
                clock, maxRequestBytes, media, imageUrls);
    }

    public GatewayConfig withApiKeys(ApiKeys k) {
        return new GatewayConfig(bootstrapServers, kafka, topics, host, port, k, sendTimeout, retryAfterSeconds,
                clock, maxRequestBytes, media, imageUrls);
    }

    public GatewayConfig withClock(Clock c) {
        return new GatewayConfig(bootstrapServers, kafka, topics, host, port, apiKeys, sendTimeout,
                retryAfterSeconds, c, maxRequestBytes, media, imageUrls);
    }

    public GatewayConfig withMaxRequestBytes(Integer max) {
        return new GatewayConfig(bootstrapServers, kafka, topics, host, port, apiKeys, sendTimeout,
                retryAfterSeconds, clock, max, media, imageUrls);
    }

    public GatewayConfig withMedia(MediaLimits m) {
        return new GatewayConfig(bootstrapServers, kafka, topics, host, port, apiKeys, sendTimeout,
                retryAfterSeconds, clock, maxRequestBytes, m, imageUrls);
    }

    public GatewayConfig withImageUrls(ImageUrlPolicy u) {
        return new GatewayConfig(bootstrapServers, kafka, topics, host, port, apiKeys, sendTimeout,
                retryAfterSeconds, clock, maxRequestBytes, media, u);
    }

    /** The request size limit in force: {@link #maxRequestBytes}, else the job topics' message limit. */
    public int effectiveMaxRequestBytes() {
        return maxRequestBytes != null ? maxRequestBytes : topics.maxMessageBytes();
    }

    /** Base client properties: bootstrap servers over the extra ones. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
