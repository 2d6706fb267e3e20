package io.gemmafleet.gateway.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.gateway.media.MediaInliner;
import io.gemmafleet.gateway.media.MediaRejectedException;
import io.gemmafleet.schemas.CancelRequest;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.JobValidationException;
import io.gemmafleet.schemas.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Turns a client's JSON body into a validated job and writes it to its topic (text or image) with an idempotent
 * {@code acks=all} producer, returning only once the broker acknowledged it: a returned {@link Accepted} is a job
 * durably in Kafka; anything else is an exception and the caller must not answer 202. The gateway assigns the
 * job id and {@code submitted_at}; the owner (an API key's name, never the key) rides in a record header. Image
 * rules (count, size, URLs fetched and inlined or refused) are applied by a {@link MediaInliner} before the send.
 * {@link #cancel} writes a {@link CancelRequest} to the cancel topic the same durable way.
 */
public final class JobSubmitter implements AutoCloseable {

    /** Record header naming the API key that submitted the job; read back by the results view. */
    public static final String OWNER_HEADER = "gemma.owner";

    private final KafkaProducer<String, byte[]> producer;
    private final FleetTopics topics;
    private final JobCodec codec;
    private final Duration sendTimeout;
    private final Clock clock;
    private final Supplier<String> ids;
    private final MediaInliner media;
    private final int maxRequestBytes;

    /**
     * @param sendTimeout the longest a submission waits for the broker's acknowledgement; also bounds the
     *     producer's own delivery timeout so a timed-out job is not quietly written much later
     * @param maxRequestBytes the largest job document, as received and as published (at most the topics' limit)
     */
    public JobSubmitter(Properties clientProps, FleetTopics topics, JobCodec codec, Duration sendTimeout, Clock clock,
                        Supplier<String> ids, MediaInliner media, int maxRequestBytes) {
        if (maxRequestBytes > topics.maxMessageBytes()) {
            throw new IllegalArgumentException("max request bytes " + maxRequestBytes + " exceed the job topics' "
                    + "max.message.bytes " + topics.maxMessageBytes() + " (gemma.topics.max-message-bytes)");
        }
        this.media = media;
        this.maxRequestBytes = maxRequestBytes;
        this.topics = topics;
        this.codec = codec;
        this.sendTimeout = sendTimeout;
        this.clock = clock;
        this.ids = ids;
        this.producer = new KafkaProducer<>(producerProps(clientProps, topics, sendTimeout), new StringSerializer(),
                new ByteArraySerializer());
    }

    static Properties producerProps(Properties base, FleetTopics topics, Duration sendTimeout) {
        long timeout = Math.max(1000, sendTimeout.toMillis());
        Properties p = new Properties();
        p.putAll(base);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        // Unreachable Kafka must fail a request in about sendTimeout, never hang it: send() blocks for metadata
        // at most max.block.ms, and the producer gives the record up after delivery.timeout.ms.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.min(timeout, 1500)));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout - 500));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(topics.maxMessageBytes() + 64 * 1024));
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "gemma-gateway-submit");
        return p;
    }

    /**
     * Validates {@code body} against the job-request schema and writes it; throws {@link JobValidationException}
     * (naming the fields), {@link MediaRejectedException}, {@link PayloadTooLargeException} or
     * {@link KafkaUnavailableException}.
     */
    public Accepted submit(byte[] body, String owner) throws PayloadTooLargeException, MediaRejectedException,
            KafkaUnavailableException, InterruptedException {
        if (body.length > maxRequestBytes) {
            throw new PayloadTooLargeException(maxRequestBytes);
        }
        String jobId = ids.get();
        ObjectNode tree = complete(body, jobId);
        byte[] job = write(tree);
        if (job.length > maxRequestBytes) {
            throw new PayloadTooLargeException(maxRequestBytes);
        }
        JobRequest request = codec.decodeRequest(job);
        if (media.inline(tree)) { // URLs became data: publish (and check) the document as rewritten
            job = write(tree);
            if (job.length > maxRequestBytes) {
                throw new PayloadTooLargeException(maxRequestBytes);
            }
            request = codec.decodeRequest(job);
        }
        String topic = topics.jobTopicFor(request);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, jobId, job);
        record.headers().add(OWNER_HEADER, owner.getBytes(StandardCharsets.UTF_8));
        send(record, "job");
        return new Accepted(jobId, topic, owner);
    }

    /**
     * Writes a {@link CancelRequest} for {@code jobId} to the cancel topic, keyed by the job id, with the requesting
     * owner in the {@link #OWNER_HEADER} header; returns once the broker acknowledged it. Whether the job exists or
     * is still running is not checked here: every worker reads the cancel and the one holding the job acts on it.
     *
     * @throws JobValidationException when {@code jobId} cannot be a job id (the cancel schema refuses it)
     */
    public CancelRequest cancel(String jobId, String owner) throws KafkaUnavailableException, InterruptedException {
        CancelRequest cancel = CancelRequest.of(jobId, clock.instant(), null);
        byte[] value = codec.encode(cancel);
        codec.decodeCancel(value); // a path segment that is no job id fails here, not in every worker
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.cancel(), jobId, value);
        record.headers().add(OWNER_HEADER, owner.getBytes(StandardCharsets.UTF_8));
        send(record, "cancel");
        return cancel;
    }

    private void send(ProducerRecord<String, byte[]> record, String what)
            throws KafkaUnavailableException, InterruptedException {
        try {
            producer.send(record).get(sendTimeout.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaUnavailableException(what + " not written: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaUnavailableException(what + " not acknowledged by Kafka within " + sendTimeout, e);
        } catch (KafkaException e) {
            // send() itself throws when metadata cannot be fetched within max.block.ms.
            throw new KafkaUnavailableException(what + " not written: " + e.getMessage(), e);
        }
    }

    /**
     * The client's document with the gateway's fields set: job_id (assigned here, so ids are unique and no client
     * can overwrite another's job), submitted_at (now) and schema_version when absent. A body that is not a JSON
     * object goes to the codec unchanged so its error wording is the codec's.
     */
    private ObjectNode complete(byte[] body, String jobId) {
        JsonNode tree;
        try {
            tree = codec.mapper().readTree(body);
        } catch (IOException e) {
            tree = null;
        }
        if (!(tree instanceof ObjectNode node)) {
            codec.decodeRequest(body); // throws the codec's invalid_json / not-an-object error
            throw new IllegalStateException("unreachable: a non-object body passed validation");
        }
        if (node.has("job_id")) {
            throw new JobValidationException(ErrorCodes.INVALID_REQUEST, List.of(new Violation("$.job_id",
                    "is assigned by the gateway; put your own id in client_job_id")), null);
        }
        node.put("job_id", jobId);
        if (!node.has("schema_version")) {
            node.put("schema_version", JobCodec.SCHEMA_VERSION);
        }
        node.put("submitted_at", clock.instant().toString());
        return node;
    }

    private byte[] write(ObjectNode job) {
        try {
            return codec.mapper().writeValueAsBytes(job);
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-encode a parsed job", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
        media.close();
    }
}
