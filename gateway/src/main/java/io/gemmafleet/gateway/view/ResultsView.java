package io.gemmafleet.gateway.view;

import io.gemmafleet.gateway.submit.JobSubmitter;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobStatusEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's read model, rebuilt from Kafka alone: the job topics (which jobs exist, and whose), the status
 * topic (running) and the compacted results topic (terminal outcomes), each read from the beginning by a
 * group-less consumer on one thread. Because nothing lives only in this process, any replica answers any poll and
 * a restarted gateway answers everything it answered before. {@link #caughtUp()} turns true once every partition
 * has been read up to its end offset as of connecting. Kafka being unreachable never fails the view: it retries.
 */
public final class ResultsView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultsView.class);

    private final Properties clientProps;
    private final FleetTopics topics;
    private final JobCodec codec;
    private final Map<String, JobView> jobs = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean caughtUp;
    private volatile long lag = -1;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Map<TopicPartition, Long> startEnds = Map.of();

    public ResultsView(Properties clientProps, FleetTopics topics, JobCodec codec) {
        this.clientProps = clientProps;
        this.topics = topics;
        this.codec = codec;
        this.thread = Thread.ofPlatform().name("gateway-results-view").daemon().unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** The job, if this view has seen it (accepted here, or read from any topic). */
    public Optional<JobView> find(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    /** Read-your-writes on this replica: a job just acknowledged by Kafka is queued before the view reads it back. */
    public void accepted(String jobId, String owner) {
        jobs.merge(jobId, JobView.accepted(jobId, owner), JobView::merge);
    }

    /** Whether the view has read every partition up to where it ended when the view connected. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Records not yet read across all partitions (-1 until connected). */
    public long lag() {
        return lag;
    }

    public int size() {
        return jobs.size();
    }

    private void run() {
        long backoff = 200;
        while (!closed) {
            try {
                if (consumer == null) {
                    connect();
                }
                if (consumer != null) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        apply(r);
                    }
                    measure();
                    backoff = 200;
                    continue;
                }
            } catch (WakeupException e) {
                break;
            } catch (KafkaException | IllegalStateException e) {
                LOG.warn("results view: {} (retrying)", e.toString());
                closeConsumer();
            } catch (Exception e) {
                LOG.warn("results view: cannot reach Kafka: {} (retrying)", e.toString());
                closeConsumer();
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, 5000);
        }
        closeConsumer();
    }

    private void connect() throws Exception {
        Properties admin = new Properties();
        admin.putAll(clientProps);
        admin.put("request.timeout.ms", "3000");
        admin.put("default.api.timeout.ms", "5000");
        try (Admin a = Admin.create(admin)) {
            TopicSetup.ensure(a, topics);
        }
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps(), new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(topics.textJobs(), topics.imageJobs(), topics.status(), topics.results())) {
            var infos = c.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null || infos.isEmpty()) {
                c.close();
                throw new IllegalStateException("topic " + topic + " does not exist yet");
            }
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        startEnds = c.endOffsets(parts, Duration.ofSeconds(5));
        consumer = c;
        LOG.info("results view reading {} partitions from the beginning", parts.size());
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not grouped: every replica reads everything
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Only committed job records: the producer is idempotent, not transactional, but this keeps us correct
        // if a transactional producer ever writes these topics.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(topics.maxMessageBytes() + 65536));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "gemma-gateway-view");
        return p;
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return; // a tombstone or an unkeyed record names no job
        }
        try {
            JobView update;
            if (r.topic().equals(topics.results())) {
                JobResult result = codec.decodeResult(r.value());
                update = JobView.finished(result);
            } else if (r.topic().equals(topics.status())) {
                JobStatusEvent event = codec.decodeStatusEvent(r.value());
                update = JobView.progress(event.jobId(), event.state());
            } else {
                // A job record: only its key and owner matter here; workers validate the body.
                Header owner = r.headers().lastHeader(JobSubmitter.OWNER_HEADER);
                update = JobView.accepted(r.key(), owner == null ? null
                        : new String(owner.value(), StandardCharsets.UTF_8));
            }
            jobs.merge(update.jobId(), update, JobView::merge);
        } catch (RuntimeException e) {
            LOG.warn("results view: skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
        }
    }

    private void measure() {
        long total = 0;
        boolean done = true;
        for (var e : startEnds.entrySet()) {
            long position = consumer.position(e.getKey(), Duration.ofSeconds(1));
            done &= position >= e.getValue();
            total += consumer.currentLag(e.getKey()).orElse(Math.max(0, e.getValue() - position));
        }
        lag = total;
        if (done && !caughtUp) {
            caughtUp = true;
            LOG.info("results view caught up: {} jobs known", jobs.size());
        }
    }

    private void closeConsumer() {
        KafkaConsumer<String, byte[]> c = consumer;
        consumer = null;
        if (c != null) {
            try {
                c.close(Duration.ofSeconds(1));
            } catch (RuntimeException ignored) {
                // already broken; nothing to release beyond the sockets close() tried
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

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
