package io.gemmafleet.schemas;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The fleet's topics and their sizing, from properties ({@code gemma.topics.*}) with defaults: text jobs and image
 * jobs on separate topics, a compacted results topic keyed by job id, a dead-letter topic and a status topic.
 * Validated on construction, so a bad name or count fails at start, not at the first send.
 *
 * @param jobPartitions partitions of each job topic (upper bound of classic consumer-group parallelism)
 * @param maxMessageBytes largest job/result record (topic {@code max.message.bytes}, producer {@code max.request.size})
 * @param createMissing whether a fleet process creates missing topics at start
 */
public record FleetTopics(String textJobs, String imageJobs, String results, String deadLetter, String status,
                          int jobPartitions, int resultPartitions, short replicationFactor, int maxMessageBytes,
                          boolean createMissing) {

    public static final String PREFIX = "gemma.topics.";
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public FleetTopics {
        for (String name : List.of(textJobs, imageJobs, results, deadLetter, status)) {
            if (name == null || !LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("illegal topic name '" + name + "' (letters, digits, . _ -)");
            }
        }
        if (List.of(textJobs, imageJobs, results, deadLetter, status).stream().distinct().count() != 5) {
            throw new IllegalArgumentException("the five fleet topics must have distinct names");
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
    }

    /** Defaults: gemma.jobs.text, gemma.jobs.image, gemma.results, gemma.dead-letter, gemma.status; 6 partitions. */
    public static FleetTopics defaults() {
        return fromProperties(new Properties());
    }

    /**
     * Reads {@code gemma.topics.text}, {@code .image}, {@code .results}, {@code .dead-letter}, {@code .status},
     * {@code .job-partitions}, {@code .results-partitions}, {@code .replication-factor},
     * {@code .max-message-bytes}, {@code .create}; absent keys take the defaults.
     */
    public static FleetTopics fromProperties(Properties p) {
        return new FleetTopics(
                p.getProperty(PREFIX + "text", "gemma.jobs.text"),
                p.getProperty(PREFIX + "image", "gemma.jobs.image"),
                p.getProperty(PREFIX + "results", "gemma.results"),
                p.getProperty(PREFIX + "dead-letter", "gemma.dead-letter"),
                p.getProperty(PREFIX + "status", "gemma.status"),
                intProp(p, "job-partitions", 6),
                intProp(p, "results-partitions", 6),
                (short) intProp(p, "replication-factor", 1),
                intProp(p, "max-message-bytes", 4 * 1024 * 1024),
                Boolean.parseBoolean(p.getProperty(PREFIX + "create", "true")));
    }

    /** These settings as {@code gemma.topics.*} properties (round-trips through {@link #fromProperties}). */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty(PREFIX + "text", textJobs);
        p.setProperty(PREFIX + "image", imageJobs);
        p.setProperty(PREFIX + "results", results);
        p.setProperty(PREFIX + "dead-letter", deadLetter);
        p.setProperty(PREFIX + "status", status);
        p.setProperty(PREFIX + "job-partitions", Integer.toString(jobPartitions));
        p.setProperty(PREFIX + "results-partitions", Integer.toString(resultPartitions));
        p.setProperty(PREFIX + "replication-factor", Short.toString(replicationFactor));
        p.setProperty(PREFIX + "max-message-bytes", Integer.toString(maxMessageBytes));
        p.setProperty(PREFIX + "create", Boolean.toString(createMissing));
        return p;
    }

    private static int intProp(Properties p, String key, int fallback) {
        String value = p.getProperty(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + key + " must be an integer, got '" + value + "'");
        }
    }

    /** The job topic a request belongs on: image jobs apart, so text-only workers never see them. */
    public String jobTopicFor(JobRequest request) {
        return request.hasImage() ? imageJobs : textJobs;
    }

    /** Every topic with its configs: results compacted (latest result per job id), the rest time-retained. */
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
                        Map.of("retention.ms", Long.toString(86_400_000L))));
    }
}
