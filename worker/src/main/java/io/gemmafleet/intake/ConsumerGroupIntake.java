package io.gemmafleet.intake;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classic consumer-group intake: a dedicated poll loop that never blocks on inference (it pauses its partitions
 * while the worker is full and resumes them when there is room), and commits per partition only up to the lowest
 * unfinished job ({@link OffsetTracker}), so a crash redelivers every job without a written result. Jobs may be
 * processed twice after a crash or rebalance (at-least-once); results are keyed by job id, so the compacted results
 * topic keeps one per job.
 */
public final class ConsumerGroupIntake extends IntakeLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerGroupIntake.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final OffsetTracker tracker = new OffsetTracker();
    private volatile long lag = -1;

    /** @param base consumer properties (bootstrap servers, group id, ...); deserializers and commit mode are set here */
    public ConsumerGroupIntake(Properties base, List<String> topics, int maxPollRecords) {
        super("intake-classic");
        Properties p = new Properties();
        p.putAll(base);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = List.copyOf(topics);
    }

    @Override
    protected void run(JobSink sink) {
        try {
            consumer.subscribe(topics, new Rebalance());
            running = true;
            while (!closing) {
                applyCompletions();
                commitAdvanced(false);
                Set<TopicPartition> assigned = consumer.assignment();
                // Backpressure: the poll loop keeps polling (so the group keeps us) but fetches nothing while full.
                if (!wantsMore(sink)) {
                    consumer.pause(assigned);
                } else if (!consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    tracker.received(new TopicPartition(r.topic(), r.partition()), r.offset());
                    sink.accept(new IncomingJob(r.topic(), r.partition(), r.offset(), r.key(), r.value(),
                            r.timestamp(), 1));
                }
                lag = readLag();
            }
        } catch (WakeupException e) {
            // close() or abort() woke us.
        } catch (RuntimeException e) {
            LOG.error("classic intake stopped on an error", e);
        } finally {
            running = false;
            try {
                if (!aborting) {
                    applyCompletions();
                    commitAdvanced(true);
                }
                consumer.close(aborting ? Duration.ZERO : Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the consumer: {}", e.toString());
            }
        }
    }

    private void applyCompletions() {
        Done d;
        while ((d = completions.poll()) != null) {
            // Released jobs stay unfinished: the committed offset can never pass them, so they are redelivered.
            if (d.completion() != Completion.RELEASED) {
                tracker.finished(new TopicPartition(d.job().topic(), d.job().partition()), d.job().offset());
            }
        }
    }

    private void commitAdvanced(boolean sync) {
        Map<TopicPartition, Long> advanced = tracker.advanced();
        if (advanced.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        advanced.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
        if (sync) {
            consumer.commitSync(offsets);
            advanced.forEach(tracker::markCommitted);
        } else {
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error == null) {
                    committed.forEach((tp, om) -> tracker.markCommitted(tp, om.offset()));
                } else {
                    LOG.debug("offset commit failed, retried on the next loop: {}", error.toString());
                }
            });
        }
    }

    private long readLag() {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
            // The client-wide maximum (tagged by client-id only), not a per-partition one.
            if (e.getKey().name().equals("records-lag-max") && e.getKey().tags().size() == 1) {
                Object v = e.getValue().metricValue();
                if (v instanceof Double d && !d.isNaN()) {
                    return d.longValue();
                }
            }
        }
        return lag;
    }

    /** Commits what is safe before giving partitions away, then forgets them. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            applyCompletions();
            try {
                commitAdvanced(true);
            } catch (RuntimeException e) {
                LOG.warn("commit on revocation failed: {}", e.toString());
            }
            partitions.forEach(tracker::forget);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(tracker::forget);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("assigned {}", partitions);
        }
    }

    @Override
    public long lag() {
        return lag;
    }

    @Override
    public String mode() {
        return "classic";
    }

    @Override
    protected void closeUnstarted() {
        consumer.close(Duration.ZERO);
    }
}
