package io.gemmafleet.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private final TopicPartition tp = new TopicPartition("t", 0);
    private final OffsetTracker tracker = new OffsetTracker();

    @Test
    void commitsOnlyUpToTheLowestUnfinished() {
        for (long o = 10; o < 15; o++) {
            tracker.received(tp, o);
        }
        assertEquals(10, tracker.committable(tp));
        tracker.finished(tp, 12);
        tracker.finished(tp, 11);
        assertEquals(10, tracker.committable(tp), "10 is still running: nothing after it may be committed");
        tracker.finished(tp, 10);
        assertEquals(13, tracker.committable(tp));
        tracker.finished(tp, 14);
        assertEquals(13, tracker.committable(tp));
        tracker.finished(tp, 13);
        assertEquals(15, tracker.committable(tp), "all done: one past the highest");
        assertEquals(0, tracker.unfinished());
    }

    @Test
    void advancedReportsOnlyMovesAndForgetDropsARevokedPartition() {
        tracker.received(tp, 0);
        assertEquals(0L, tracker.advanced().get(tp));
        tracker.markCommitted(tp, 0);
        assertTrue(tracker.advanced().isEmpty());
        tracker.finished(tp, 0);
        assertEquals(1L, tracker.advanced().get(tp));
        tracker.forget(tp);
        assertEquals(-1, tracker.committable(tp));
        tracker.finished(tp, 5); // a late completion from a revoked partition is ignored
        assertTrue(tracker.advanced().isEmpty());
    }

    @Test
    void partitionsAreIndependent() {
        TopicPartition other = new TopicPartition("t", 1);
        tracker.received(tp, 0);
        tracker.received(other, 7);
        tracker.finished(other, 7);
        assertEquals(0, tracker.committable(tp));
        assertEquals(8, tracker.committable(other));
    }
}
