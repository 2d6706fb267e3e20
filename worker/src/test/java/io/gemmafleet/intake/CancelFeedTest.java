package io.gemmafleet.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.kafka.EmbeddedKafka;
import io.gemmafleet.results.TopicBootstrap;
import io.gemmafleet.schemas.CancelRequest;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.JobCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The cancel feed against a real in-process broker; each test has its own topics (created as the fleet does). */
class CancelFeedTest {

    private static final AtomicInteger RUN = new AtomicInteger();
    private static final Duration WINDOW = Duration.ofHours(1);
    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, byte[]> producer;

    private final JobCodec codec = new JobCodec();
    private final List<CancelFeed> feeds = new CopyOnWriteArrayList<>();

    /** A clock the test moves by hand; it starts at the wall-clock time, since record timestamps are real. */
    static final class TestClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() {
        producer.close();
        kafka.close();
    }

    @AfterEach
    void closeFeeds() {
        feeds.forEach(CancelFeed::close);
    }

    /** Fresh fleet topics, created the way workers create them (so the cancel topic has its real configs). */
    private static FleetTopics topics() throws Exception {
        Properties p = new Properties();
        String prefix = "cf" + RUN.incrementAndGet();
        for (String t : List.of("text", "image", "results", "dead-letter", "status", "cancel")) {
            p.setProperty("gemma.topics." + t, prefix + "." + t);
        }
        p.setProperty("gemma.topics.results-partitions", "3");
        FleetTopics topics = FleetTopics.fromProperties(p);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            TopicBootstrap.ensureTopics(admin, topics);
        }
        return topics;
    }

    private CancelFeed feed(FleetTopics topics, Clock clock, int maxEntries, List<String> seen) {
        Properties client = new Properties();
        client.setProperty("bootstrap.servers", kafka.bootstrapServers());
        client.setProperty("group.id", "ignored-by-the-feed");
        CancelFeed f = new CancelFeed(client, topics.cancel(), WINDOW, clock, maxEntries, id -> {
            seen.add(id);
            if (id.equals("listener-boom")) {
                throw new IllegalStateException("a listener that fails");
            }
        });
        feeds.add(f);
        return f;
    }

    private void cancel(String topic, Integer partition, Long timestamp, String id) throws Exception {
        byte[] value = codec.encode(CancelRequest.of(id, Instant.now(), "test"));
        producer.send(new ProducerRecord<>(topic, partition, timestamp, id, value)).get();
    }

    private void raw(String topic, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8)))
                .get();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void cancelTopicIsCreatedCompactedAndTimeRetained() throws Exception {
        FleetTopics t = topics();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t.cancel());
            var config = admin.describeConfigs(List.of(r)).all().get(10, TimeUnit.SECONDS).get(r);
            assertEquals("compact,delete", config.get("cleanup.policy").value());
            assertEquals(Long.toString(Duration.ofDays(1).toMillis()), config.get("retention.ms").value());
        }
    }

    @Test
    void cancelsSentBeforeStartAreSeenAndMalformedRecordsAreSkipped() throws Exception {
        FleetTopics t = topics();
        cancel(t.cancel(), null, null, "job-a");
        raw(t.cancel(), "job-x", "this is not json");
        raw(t.cancel(), "job-y", "{\"schema_version\":1,\"reason\":\"no job id\"}");
        raw(t.cancel(), "job-z", "{\"schema_version\":2,\"job_id\":\"job-z\"}");
        raw(t.cancel(), "job-t", null); // a tombstone
        cancel(t.cancel(), null, null, "listener-boom");
        cancel(t.cancel(), null, null, "job-b");

        List<String> seen = new CopyOnWriteArrayList<>();
        CancelFeed f = feed(t, new TestClock(), CancelFeed.DEFAULT_MAX_ENTRIES, seen);
        f.start();
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)), "caught up");
        assertEquals(Set.of("job-a", "job-b", "listener-boom"), Set.copyOf(seen));
        assertEquals(3, seen.size(), "each id once: " + seen);
        assertTrue(f.isCancelled("job-a"));
        assertTrue(f.isCancelled("job-b"));
        assertTrue(f.isCancelled("listener-boom"), "a failing listener still records the cancel");
        for (String skipped : List.of("job-x", "job-y", "job-z", "job-t", "never-cancelled")) {
            assertFalse(f.isCancelled(skipped), skipped);
        }

        // Still alive after bad records and a failing listener: a later cancel arrives, a repeat is not news.
        cancel(t.cancel(), null, null, "job-c");
        cancel(t.cancel(), null, null, "job-a");
        await(() -> f.isCancelled("job-c"), "job-c");
        cancel(t.cancel(), null, null, "job-d");
        await(() -> seen.contains("job-d"), "job-d");
        assertEquals(List.of("job-c", "job-d"), seen.subList(3, seen.size()), "job-a is not announced twice");
    }

    @Test
    void cancelsExpireByTheClockAndOlderOnesAreNotReadBack() throws Exception {
        FleetTopics t = topics();
        TestClock clock = new TestClock();
        long now = clock.instant().toEpochMilli();
        // On one partition, in offset order: one older than the window (skipped by the start offset), one inside it,
        // then one older again (read, but already expired).
        cancel(t.cancel(), 0, now - WINDOW.toMillis() - 60_000, "too-old-1");
        cancel(t.cancel(), 0, now - WINDOW.toMillis() + 60_000, "recent");
        cancel(t.cancel(), 0, now - WINDOW.toMillis() - 120_000, "too-old-2");
        List<String> seen = new CopyOnWriteArrayList<>();
        CancelFeed f = feed(t, clock, CancelFeed.DEFAULT_MAX_ENTRIES, seen);
        f.start();
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        assertEquals(List.of("recent"), seen);
        assertTrue(f.isCancelled("recent"));
        assertFalse(f.isCancelled("too-old-1"));
        assertFalse(f.isCancelled("too-old-2"));

        cancel(t.cancel(), 0, null, "fresh");
        await(() -> f.isCancelled("fresh"), "fresh");
        clock.advance(Duration.ofMinutes(2)); // "recent" was stamped window - 1 min ago: now past its expiry
        assertFalse(f.isCancelled("recent"));
        assertTrue(f.isCancelled("fresh"));
        clock.advance(WINDOW);
        assertFalse(f.isCancelled("fresh"));
        await(() -> f.size() == 0, "expired ids purged");
    }

    @Test
    void theSetIsBoundedOldestFirst() throws Exception {
        FleetTopics t = topics();
        List<String> seen = new CopyOnWriteArrayList<>();
        CancelFeed f = feed(t, new TestClock(), 2, seen);
        f.start();
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        for (String id : List.of("j1", "j2", "j3")) {
            cancel(t.cancel(), 0, null, id);
        }
        await(() -> seen.size() == 3, "three cancels");
        assertEquals(2, f.size());
        assertFalse(f.isCancelled("j1"), "the oldest id was evicted");
        assertTrue(f.isCancelled("j2"));
        assertTrue(f.isCancelled("j3"));
    }
}
