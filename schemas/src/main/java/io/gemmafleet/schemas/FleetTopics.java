package io.gemmafleet.schemas;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The fleet's topics and their sizing, from properties ({@code gemma.topics.*}) with defaults: text jobs and image
 * jobs on separate topics, a compacted results topic keyed by job id, a dead-letter topic, a status topic and a
 * cancel topic (compacted and time-retained, keyed by job id; every worker reads all of it). Validated on
 * construction, so a bad name or count fails at start, not at the first send.
 *
 * @param cancel the topic of {@link CancelRequest}s, keyed by job id
 * @param jobPartitions partitions of each job topic (upper bound of classic consumer-group parallelism)
 * @param maxMessageBytes largest job/result record (topic {@code max.message.bytes}, producer {@code max.request.size})
 * @param createMissing whether a fleet process creates missing topics at start
 * @param cancelRetention how long the cancel topic keeps a cancel (its {@code retention.ms}); also the window a
 *     worker reads back at start, since a cancel older than any job it could still hold is moot
 */
public record FleetTopics(String textJobs, String imageJobs, String results, String deadLetter, String status,
                          String cancel, int jobPartitions, int resultPartitions, short replicationFactor,
                          int maxMessageBytes, boolean createMissing, Duration cancelRetention) {

    public static final String PREFIX = "gemma.topics.";
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public FleetTopics {
        List<String> names = List.of(textJobs, imageJobs, results, deadLetter, status, cancel);
        for (String name : names) {
            if (name == null || !LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("illegal topic name '" + name + "' (letters, digits, . _ -)");
            }
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("the six fleet topics must have distinct names");
        }
        if (jobPartitions < 1 || resultPartitions < 1) {
            throw new IllegalArgumentException("partition counts must be >= 1");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException(PREFIX + "replication-factor must be >= 1");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException(PREFIX + "max-message-bytes must be >= 1024");
        }
        if (cancelRetention == null || cancelRetention.toMillis() < 1000) {
            throw new IllegalArgumentException(PREFIX + "cancel-retention-ms must be >= 1000");
        }
    }

    /** The default {@link #cancelRetention}: one day. */
    public static final Duration DEFAULT_CANCEL_RETENTION = Duration.ofDays(1);

    /**
     * Defaults: gemma.jobs.text, gemma.jobs.image, gemma.results, gemma.dead-letter, gemma.status, gemma.cancel;
     * 6 partitions; cancels kept one day.
     */
    public static FleetTopics defaults() {
        return fromProperties(new Properties());
    }

    /**
     * Reads {@code gemma.topics.text}, {@code .image}, {@code .results}, {@code .dead-letter}, {@code .status},
     * {@code .cancel}, {@code .job-partitions}, {@code .results-partitions}, {@code .replication-factor},
     * {@code .max-message-bytes}, {@code .create}, {@code .cancel-retention-ms}; absent keys take the defaults.
     */
    public static FleetTopics fromProperties(Properties p) {
        return new FleetTopics(
                p.getProperty(PREFIX + "text", "gemma.jobs.text"),
                p.getProperty(PREFIX + "image", "gemma.jobs.image"),
                p.getProperty(PREFIX + "results", "gemma.results"),
                p.getProperty(PREFIX + "dead-letter", "gemma.dead-letter"),
                p.getProperty(PREFIX + "status", "gemma.status"),
                p.getProperty(PREFIX + "cancel", "gemma.cancel"),
                intProp(p, "job-partitions", 6),
                intProp(p, "results-partitions", 6),
                (short) intProp(p, "replication-factor", 1),
                intProp(p, "max-message-bytes", 4 * 1024 * 1024),
                Boolean.parseBoolean(p.getProperty(PREFIX + "create", "true")),
                Duration.ofMillis(longProp(p, "cancel-retention-ms", DEFAULT_CANCEL_RETENTION.toMillis())));
    }

    /** These settings as {@code gemma.topics.*} properties (round-trips through {@link #fromProperties}). */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty(PREFIX + "text", textJobs);
        p.setProperty(PREFIX + "image", imageJobs);
        p.setProperty(PREFIX + "results", results);
        p.setProperty(PREFIX + "dead-letter", deadLetter);
        p.setProperty(PREFIX + "status", status);
        p.setProperty(PREFIX + "cancel", cancel);
        p.setProperty(PREFIX + "job-partitions", Integer.toString(jobPartitions));
        p.setProperty(PREFIX + "results-partitions", Integer.toString(resultPartitions));
        p.setProperty(PREFIX + "replication-factor", Short.toString(replicationFactor));
        p.setProperty(PREFIX + "max-message-bytes", Integer.toString(maxMessageBytes));
        p.setProperty(PREFIX + "create", Boolean.toString(createMissing));
        p.setProperty(PREFIX + "cancel-retention-ms", Long.toString(cancelRetention.toMillis()));
        return p;
    }

    private static int intProp(Properties p, String key, int fallback) {
        long value = longProp(p, key, fallback);
        if (value != (int) value) {
            throw new IllegalArgumentException(PREFIX + key + " is out of range: " + value);
        }
        return (int) value;
    }

    private static long longProp(Properties p, String key, long fallback) {
        String value = p.getProperty(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + key + " must be an integer, got '" + value + "'");
        }
    }

    /** The job topic a request belongs on: image jobs apart, so text-only workers never see them. */
    public String jobTopicFor(JobRequest request) {
        return request.hasImage() ? imageJobs : textJobs;
    }

    /**
     * Every topic with its configs: results compacted (latest result per job id); cancels compacted (one per job
     * id) and deleted after {@link #cancelRetention}; the rest time-retained.
     */
    public List<TopicSpec> specs() {
        String max = Integer.toString(maxMessageBytes);
        // The dead-letter topic holds a copy of the offending record plus headers, so it allows a little more.
        String deadLetterMax = Integer.toString(maxMessageBytes + 64 * 1024);
        return List.of(
                new TopicSpec(textJobs, jobPartitions, replicationFactor, Map.of("max.message.bytes", max)),
                new TopicSpec(imageJobs, jobPartitions, replicationFactor, Map.of("max.message.bytes", max)),
                new TopicSpec(results, resultPartitions, replicationFactor,
                        Map.of("cleanup.policy", "compact", "max.message.bytes", max)),
                new TopicSpec(deadLetter, 1, replicationFactor,
                        Map.of("max.message.bytes", deadLetterMax, "retention.ms", Long.toString(14L * 86_400_000))),
                new TopicSpec(status, resultPartitions, replicationFactor,
                        Map.of("retention.ms", Long.toString(86_400_000L))),
                new TopicSpec(cancel, resultPartitions, replicationFactor,
                        Map.of("cleanup.policy", "compact,delete",
                                "retention.ms", Long.toString(cancelRetention.toMillis()))));
    }
}
