package io.gemmafleet.intake;

/**
 * One job record as an intake received it: where it came from (for acknowledgement and offsets), its raw bytes
 * (decoded later, so a malformed record is still a job that gets a result), and how often it was delivered.
 *
 * @param deliveryCount 1 for the first delivery; share groups count redeliveries, classic groups always say 1
 */
public record IncomingJob(String topic, int partition, long offset, String key, byte[] value, long timestampMs,
                          int deliveryCount) {

    /** {@code topic-partition@offset}, for logs and for results of records without a usable key. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
