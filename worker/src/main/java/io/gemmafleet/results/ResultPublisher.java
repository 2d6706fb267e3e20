package io.gemmafleet.results;

import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobStatusEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes results (keyed by job id), dead-letter records and status events with an idempotent producer
 * ({@code acks=all}, {@code enable.idempotence}): a retried send is never duplicated in the log, and
 * {@link #publishAll} returns only once every result is durably written, which is what allows the caller to
 * acknowledge or commit the jobs afterwards.
 */
public final class ResultPublisher implements AutoCloseable {

    /** Headers on a dead-letter record; its value is the original record's bytes (truncated if oversized). */
    public static final String H_REASON = "gemma.dlq.reason";
    public static final String H_ERROR = "gemma.dlq.error";
    public static final String H_SOURCE = "gemma.dlq.source";
    public static final String H_WORKER = "gemma.dlq.worker";
    public static final String H_TRUNCATED = "gemma.dlq.truncated";

    private final KafkaProducer<String, byte[]> producer;
    private final FleetTopics topics;
    private final JobCodec codec;
    private final String workerId;

    public ResultPublisher(Properties base, FleetTopics topics, JobCodec codec, String workerId) {
        Properties p = new Properties();
        p.putAll(base);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        // A dead-letter copy of a maximal job plus headers must still fit one request.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(topics.maxMessageBytes() + 64 * 1024));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "gemma-worker-" + workerId + "-results");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topics = topics;
        this.codec = codec;
        this.workerId = workerId;
    }

    public Future<RecordMetadata> publish(JobResult result) {
        return producer.send(new ProducerRecord<>(topics.results(), result.jobId(), codec.encode(result)));
    }

    /** Sends every result and waits until all are acknowledged by the broker (acks=all). */
    public void publishAll(List<JobResult> results) throws InterruptedException {
        List<Future<RecordMetadata>> sent = results.stream().map(this::publish).toList();
        await(sent);
    }

    /** A copy of the offending record with the reason in headers; waits until it is written. */
    public void deadLetter(IncomingJob job, String key, String code, String message) throws InterruptedException {
        RecordHeaders headers = new RecordHeaders();
        headers.add(H_REASON, code.getBytes(StandardCharsets.UTF_8));
        headers.add(H_ERROR, truncate(message, 2000).getBytes(StandardCharsets.UTF_8));
        headers.add(H_SOURCE, job.coordinates().getBytes(StandardCharsets.UTF_8));
        headers.add(H_WORKER, workerId.getBytes(StandardCharsets.UTF_8));
        byte[] value = job.value() == null ? new byte[0] : job.value();
        if (value.length > topics.maxMessageBytes()) {
            headers.add(H_TRUNCATED, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
            value = Arrays.copyOf(value, topics.maxMessageBytes());
        }
        await(List.of(producer.send(new ProducerRecord<>(topics.deadLetter(), null, key, value, headers))));
    }

    /** Fire-and-forget: status events are informative, and a lost one changes no outcome. */
    public void status(JobStatusEvent event) {
        producer.send(new ProducerRecord<>(topics.status(), event.jobId(), codec.encode(event)));
    }

    private static void await(List<Future<RecordMetadata>> sent) throws InterruptedException {
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("result not written: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("result not acknowledged by the broker within 60 s", e);
            }
        }
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    @Override
    public void close() {
        producer.close();
    }
}
