package io.gemmafleet.intake;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Share-group intake (KIP-932): records are acquired per job, so any number of workers share a topic whatever
 * its partition count. Each job is acknowledged on its own once its result is written (ACCEPT), rejected when
 * poison (REJECT, after its dead-letter record), or released when not processed (RELEASE); a crashed worker's
 * unacknowledged jobs return to the group when their lock expires or its session ends. While a batch runs longer
 * than half the acquisition lock, unfinished jobs are renewed (RENEW) so they are not redelivered mid-generation.
 */
public final class ShareGroupIntake extends IntakeLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupIntake.class);

    private record Key(String topic, int partition, long offset) {
        static Key of(IncomingJob j) {
            return new Key(j.topic(), j.partition(), j.offset());
        }

        static Key of(ConsumerRecord<?, ?> r) {
            return new Key(r.topic(), r.partition(), r.offset());
        }
    }

    /** How long to wait for renewed records to come back through poll() before giving up on them. */
    private static final Duration RENEWED_RECORDS_WAIT = Duration.ofSeconds(5);

    private final KafkaShareConsumer<String, byte[]> consumer;
    private final java.util.List<String> topics;
    private final boolean renewLocks;
    /** Jobs delivered by the last poll and not yet acknowledged; explicit mode polls again only when it is empty. */
    private final Map<Key, ConsumerRecord<String, byte[]>> inFlight = new LinkedHashMap<>();

    /**
     * @param base consumer properties (bootstrap servers, group id); acknowledgement mode is set to explicit here
     * @param renewLocks send RENEW for long generations (needs the group config share.renew.acknowledge.enable)
     */
    public ShareGroupIntake(Properties base, java.util.List<String> topics, int maxPollRecords, boolean renewLocks) {
        super("intake-share");
        Properties p = new Properties();
        p.putAll(base);
        p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        this.consumer = new KafkaShareConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = java.util.List.copyOf(topics);
        this.renewLocks = renewLocks;
    }

    @Override
    protected void run(JobSink sink) {
        try {
            consumer.subscribe(topics);
            running = true;
            long lastRenew = System.nanoTime();
            while (!closing) {
                if (inFlight.isEmpty()) {
                    if (!wantsMore(sink)) {
                        Thread.sleep(20);
                        continue;
                    }
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        take(r, sink);
                    }
                    lastRenew = System.nanoTime();
                    continue;
                }
                Done d = completions.poll(50, TimeUnit.MILLISECONDS);
                boolean acknowledged = false;
                while (d != null) {
                    ConsumerRecord<String, byte[]> r = inFlight.remove(Key.of(d.job()));
                    if (r != null) {
                        try {
                            consumer.acknowledge(r, acknowledgeType(d.completion()));
                            acknowledged = true;
                        } catch (IllegalStateException e) {
                            // The client no longer holds this delivery (lock lost or renewed away): the broker
                            // redelivers it and its result is written again under the same job id.
                            LOG.warn("could not acknowledge {}: {}", d.job().coordinates(), e.getMessage());
                        }
                    }
                    d = completions.poll();
                }
                if (acknowledged && inFlight.isEmpty()) {
                    consumer.commitSync(Duration.ofSeconds(10));
                } else if (acknowledged) {
                    consumer.commitAsync();
                }
                lastRenew = maybeRenew(lastRenew, sink);
            }
        } catch (WakeupException | InterruptedException e) {
            // close() or abort().
        } catch (RuntimeException e) {
            LOG.error("share intake stopped on an error", e);
        } finally {
            running = false;
            try {
                if (!aborting) {
                    // Graceful: whatever was not processed goes back to the group at once, not after the lock.
                    Done d;
                    while ((d = completions.poll()) != null) {
                        ConsumerRecord<String, byte[]> r = inFlight.remove(Key.of(d.job()));
                        if (r != null) {
                            consumer.acknowledge(r, acknowledgeType(d.completion()));
                        }
                    }
                    inFlight.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.RELEASE));
                    consumer.commitSync(Duration.ofSeconds(5));
                }
                consumer.close(aborting ? Duration.ZERO : Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the share consumer: {}", e.toString());
            }
        }
    }

    /** How a job's end is told to the group: written result, poison (dead-lettered), or not processed. */
    private static AcknowledgeType acknowledgeType(Completion completion) {
        return switch (completion) {
            case DONE -> AcknowledgeType.ACCEPT;
            case REJECTED -> AcknowledgeType.REJECT;
            case RELEASED -> AcknowledgeType.RELEASE;
        };
    }

    /** Hands a newly delivered record to the sink as a job and remembers it until it is acknowledged. */
    private void take(ConsumerRecord<String, byte[]> r, JobSink sink) {
        IncomingJob job = new IncomingJob(r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.timestamp(),
                r.deliveryCount().map(Short::intValue).orElse(1));
        inFlight.put(Key.of(job), r);
        sink.accept(job);
    }

    /**
     * Renews the locks of unfinished jobs once half the acquisition lock has passed since the last renewal.
     *
     * <p>kafka-clients 4.4 hands renewed records back through the next {@code poll()} (KAFKA-20458), and only that
     * delivery can later be acknowledged: so after the renewal this polls until every renewed record is back and
     * keeps the returned record objects. A record that poll delivers for the first time is taken as a new job if
     * there is room, else released at once.
     */
    private long maybeRenew(long lastRenew, JobSink sink) {
        if (!renewLocks || inFlight.isEmpty()) {
            return lastRenew;
        }
        long lockMs = consumer.acquisitionLockTimeoutMs().orElse(30_000);
        long now = System.nanoTime();
        if (now - lastRenew < TimeUnit.MILLISECONDS.toNanos(lockMs / 2)) {
            return lastRenew;
        }
        try {
            inFlight.values().forEach(r -> consumer.acknowledge(r, AcknowledgeType.RENEW));
            consumer.commitSync(Duration.ofSeconds(5));
            java.util.Set<Key> awaited = new java.util.HashSet<>(inFlight.keySet());
            long end = System.nanoTime() + RENEWED_RECORDS_WAIT.toNanos();
            while (!awaited.isEmpty() && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Key key = Key.of(r);
                    if (awaited.remove(key)) {
                        inFlight.put(key, r);  // the renewed delivery: the one a later ACCEPT must name
                    } else if (wantsMore(sink)) {
                        take(r, sink);
                    } else {
                        consumer.acknowledge(r, AcknowledgeType.RELEASE);
                    }
                }
            }
            if (!awaited.isEmpty()) {
                LOG.warn("{} renewed jobs did not come back from poll(); they may be redelivered", awaited.size());
            }
            LOG.debug("renewed the locks of {} jobs", inFlight.size());
        } catch (RuntimeException e) {
            LOG.warn("lock renewal failed (jobs may be redelivered): {}", e.toString());
        }
        return now;
    }

    @Override
    public long lag() {
        return -1;
    }

    @Override
    public String mode() {
        return "share";
    }

    @Override
    protected void closeUnstarted() {
        consumer.close(Duration.ZERO);
    }
}
