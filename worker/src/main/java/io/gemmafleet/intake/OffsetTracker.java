package io.gemmafleet.intake;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Per partition, which received offsets are not finished yet, and so the offset that is safe to commit: the
 * lowest unfinished one, or one past the highest received when all are finished. Committing that never skips an
 * unfinished job, whatever order jobs finish in. Not thread-safe: used on the intake thread only.
 */
public final class OffsetTracker {

    private static final class Partition {
        final TreeSet<Long> pending = new TreeSet<>();
        long nextAfterHighest = -1;
        long committed = -1;
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    /** A record was handed to the worker. */
    public void received(TopicPartition tp, long offset) {
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition());
        p.pending.add(offset);
        p.nextAfterHighest = Math.max(p.nextAfterHighest, offset + 1);
    }

    /** A record finished (result written). Unknown partitions (revoked meanwhile) are ignored. */
    public void finished(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) {
            p.pending.remove(offset);
        }
    }

    /** The offset to commit for {@code tp}: lowest unfinished, else one past the highest received; -1 if none. */
    public long committable(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p == null || p.nextAfterHighest < 0) {
            return -1;
        }
        return p.pending.isEmpty() ? p.nextAfterHighest : p.pending.first();
    }

    /** Partitions whose committable offset moved since the last {@link #markCommitted}, with that offset. */
    public Map<TopicPartition, Long> advanced() {
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach((tp, p) -> {
            long c = committable(tp);
            if (c > p.committed) {
                out.put(tp, c);
            }
        });
        return out;
    }

    public void markCommitted(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) {
            p.committed = Math.max(p.committed, offset);
        }
    }

    /** Unfinished jobs across partitions. */
    public int unfinished() {
        return partitions.values().stream().mapToInt(p -> p.pending.size()).sum();
    }

    /** Forgets a revoked partition: its in-flight jobs may finish, but their offsets now belong to another owner. */
    public void forget(TopicPartition tp) {
        partitions.remove(tp);
    }
}
