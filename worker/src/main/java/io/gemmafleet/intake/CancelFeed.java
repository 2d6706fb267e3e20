package io.gemmafleet.intake;

import io.gemmafleet.schemas.CancelRequest;
import io.gemmafleet.schemas.JobCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every cancel request of the fleet, as one worker sees them: a background thread with its own group-less consumer
 * assigned every partition of the cancel topic ({@code FleetTopics#cancel()}), so every worker sees every cancel.
 * At start it reads back the last {@code window} of cancels (the records from {@code now - window} on, by
 * {@code offsetsForTimes}), so a cancel sent before this worker started, for a job still queued, is not lost.
 *
 * <p>It keeps the ids of cancelled jobs in a bounded set; an id expires {@code window} after its record's timestamp
 * (read from the injected {@link Clock}, so tests decide when), and past {@code maxEntries} the oldest ids go first.
 * Each id newly cancelled is passed to the {@code onCancel} listener, on the feed's thread: the listener must be
 * quick and thread-safe (flag the job, wake the scheduler), never block on inference. A malformed record, a
 * failing listener or an unreachable broker is logged and survived: the feed never dies before {@link #close}.
 *
 * <p>Typical use by a worker: {@code new CancelFeed(kafkaProps, topics.cancel(), topics.cancelRetention(),
 * Clock.systemUTC(), engine::cancel)}, {@link #start()}, then {@link #isCancelled} at intake (a job whose cancel
 * arrived before it is answered {@code cancelled} without running) and the listener for jobs queued or running.
 */
public final class CancelFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CancelFeed.class);

    /** The default bound of the id set: far more cancels than a worker sees within a retention window. */
    public static final int DEFAULT_MAX_ENTRIES = 100_000;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);

    private final Properties clientProps;
    private final String topic;
    private final Duration window;
    private final Clock clock;
    private final int maxEntries;
    private final Consumer<String> onCancel;
    private final JobCodec codec = new JobCodec();
    private final Thread thread;
    private final CountDownLatch caughtUpLatch = new CountDownLatch(1);
    /** Job id to expiry, oldest insertion first; guarded by itself. */
    private final LinkedHashMap<String, Instant> cancelled = new LinkedHashMap<>();

    private volatile boolean closed;
    private volatile KafkaConsumer<String, byte[]> consumer;
    // Fields below are touched by the feed thread only.
    private Map<TopicPartition, Long> startEnds = Map.of();
    private long nextRefreshNanos;
    private Instant nextPurge = Instant.MIN;

    /**
     * @param clientProps Kafka client properties (bootstrap servers, security); a {@code group.id} is ignored
     * @param topic the cancel topic
     * @param window how far back to read at start, and how long a cancel stays in the set (normally the topic's
     *     retention, {@code FleetTopics#cancelRetention()})
     * @param clock the time for start offsets and expiry
     * @param onCancel called once per newly cancelled job id, on the feed's thread
     */
    public CancelFeed(Properties clientProps, String topic, Duration window, Clock clock, Consumer<String> onCancel) {
        this(clientProps, topic, window, clock, DEFAULT_MAX_ENTRIES, onCancel);
    }

    /** As {@link #CancelFeed(Properties, String, Duration, Clock, Consumer)}, keeping at most {@code maxEntries} ids. */
    public CancelFeed(Properties clientProps, String topic, Duration window, Clock clock, int maxEntries,
                      Consumer<String> onCancel) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
        }
        this.clientProps = clientProps;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.window = window;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxEntries = maxEntries;
        this.onCancel = Objects.requireNonNull(onCancel, "onCancel");
        this.thread = Thread.ofPlatform().name("cancel-feed").daemon().unstarted(this::run);
    }

    /** Starts the feed's thread; returns at once (Kafka being unreachable is retried in the background). */
    public void start() {
        thread.start();
    }

    /** Whether {@code jobId} was cancelled within the window (and is not yet expired or evicted). */
    public boolean isCancelled(String jobId) {
        Instant now = clock.instant();
        synchronized (cancelled) {
            Instant expiry = cancelled.get(jobId);
            if (expiry == null) {
                return false;
            }
            if (!now.isBefore(expiry)) {
                cancelled.remove(jobId);
                return false;
            }
            return true;
        }
    }

    /** How many cancelled ids the set holds now (expired ones included until the next purge). */
    public int size() {
        synchronized (cancelled) {
            return cancelled.size();
        }
    }

    /** Whether the feed has read every partition up to its end as of connecting: every earlier cancel is known. */
    public boolean caughtUp() {
        return caughtUpLatch.getCount() == 0;
    }

    /** Waits up to {@code timeout} for {@link #caughtUp()}; returns it. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUpLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void run() {
        long backoff = 200;
        while (!closed) {
            try {
                if (consumer == null) {
                    connect();
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    apply(r);
                }
                checkCaughtUp();
                purgeExpired();
                refreshPartitions();
                backoff = 200;
                continue;
            } catch (WakeupException e) {
                break;
            } catch (Exception e) {
                // KafkaException, a missing topic, a broken connection: drop the consumer and start over.
                if (closed) {
                    break;
                }
                LOG.warn("cancel feed: {} (retrying in {} ms)", e.toString(), backoff);
                closeConsumer();
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, 5000);
        }
        closeConsumer();
    }

    private void connect() {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps(), new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer = c;
        List<TopicPartition> parts = partitions(c);
        c.assign(parts);
        seekToWindowStart(c, parts);
        if (!caughtUp()) {
            startEnds = c.endOffsets(parts, Duration.ofSeconds(5));
        }
        nextRefreshNanos = System.nanoTime() + PARTITION_REFRESH.toNanos();
        LOG.info("cancel feed reading {} partitions of {} from {} back", parts.size(), topic, window);
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist yet");
        }
        return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    }

    /**
     * Positions each partition at its first record from {@code now - window} on; a partition with no such record
     * holds only older (moot) cancels and starts at its end. A broker that cannot search by time: the beginning.
     */
    private void seekToWindowStart(KafkaConsumer<String, byte[]> c, List<TopicPartition> parts) {
        long from = clock.instant().minus(window).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(tp -> query.put(tp, Math.max(0, from)));
        Map<TopicPartition, OffsetAndTimestamp> found;
        try {
            found = c.offsetsForTimes(query, Duration.ofSeconds(5));
        } catch (UnsupportedVersionException e) {
            LOG.warn("cancel feed: broker cannot look up offsets by time; reading {} from the beginning", topic);
            c.seekToBeginning(parts);
            return;
        }
        for (TopicPartition tp : parts) {
            OffsetAndTimestamp at = found.get(tp);
            if (at != null) {
                c.seek(tp, at.offset());
            } else {
                c.seekToEnd(List.of(tp));
            }
        }
    }

    /** Picks up partitions added to the topic since connecting; they are read from their beginning. */
    private void refreshPartitions() {
        if (System.nanoTime() < nextRefreshNanos) {
            return;
        }
        nextRefreshNanos = System.nanoTime() + PARTITION_REFRESH.toNanos();
        Set<TopicPartition> now = new HashSet<>(partitions(consumer));
        Set<TopicPartition> added = new HashSet<>(now);
        added.removeAll(consumer.assignment());
        if (!added.isEmpty()) {
            consumer.assign(now);
            consumer.seekToBeginning(added);
            LOG.info("cancel feed: topic {} grew to {} partitions", topic, now.size());
        }
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not grouped: every worker reads every cancel
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The topic is created with its configs (compacted, time-retained) by the fleet, never by a fetch.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "gemma-cancel-feed");
        return p;
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return; // a tombstone: compaction's deletion marker, no cancel
        }
        CancelRequest cancel;
        try {
            cancel = codec.decodeCancel(r.value());
        } catch (RuntimeException e) {
            LOG.warn("cancel feed: skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return;
        }
        if (r.key() != null && !r.key().equals(cancel.jobId())) {
            LOG.warn("cancel feed: record {}-{}@{} is keyed '{}' but cancels '{}'; using the job_id", r.topic(),
                    r.partition(), r.offset(), r.key(), cancel.jobId());
        }
        Instant at = r.timestamp() >= 0 ? Instant.ofEpochMilli(r.timestamp()) : clock.instant();
        if (add(cancel.jobId(), at.plus(window))) {
            try {
                onCancel.accept(cancel.jobId());
            } catch (RuntimeException e) {
                LOG.error("cancel feed: the listener failed on job {}", cancel.jobId(), e);
            }
        }
    }

    /** Records a cancel; true when the id is newly cancelled (not already held, and not already expired). */
    private boolean add(String jobId, Instant expiry) {
        Instant now = clock.instant();
        if (!now.isBefore(expiry)) {
            return false;
        }
        synchronized (cancelled) {
            Instant held = cancelled.get(jobId);
            if (held != null && now.isBefore(held)) {
                if (expiry.isAfter(held)) {
                    cancelled.put(jobId, expiry);
                }
                return false;
            }
            cancelled.remove(jobId); // an expired entry: re-inserted at the young end
            cancelled.put(jobId, expiry);
            Iterator<String> oldest = cancelled.keySet().iterator();
            while (cancelled.size() > maxEntries) {
                oldest.next();
                oldest.remove();
            }
            return true;
        }
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        if (now.isBefore(nextPurge)) {
            return;
        }
        nextPurge = now.plusSeconds(1);
        synchronized (cancelled) {
            cancelled.values().removeIf(expiry -> !now.isBefore(expiry));
        }
    }

    private void checkCaughtUp() {
        if (caughtUp()) {
            return;
        }
        for (var e : startEnds.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(1)) < e.getValue()) {
                return;
            }
        }
        caughtUpLatch.countDown();
        LOG.info("cancel feed caught up: {} cancelled jobs within {}", size(), window);
    }

    private void closeConsumer() {
        KafkaConsumer<String, byte[]> c = consumer;
        consumer = null;
        if (c != null) {
            try {
                c.close(Duration.ofSeconds(1));
            } catch (KafkaException | IllegalStateException ignored) {
                // already broken; close() released what it could
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread and closes the consumer; waits up to 5 s. Idempotent. */
    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread.isAlive()) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
