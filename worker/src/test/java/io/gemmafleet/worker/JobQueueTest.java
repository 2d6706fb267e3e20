package io.gemmafleet.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.intake.IncomingJob;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobQueueTest {

    private static IncomingJob job(long offset) {
        return new IncomingJob("t", 0, offset, "k" + offset, new byte[] {1}, 0, 1);
    }

    @Test
    void takesWhatIsWaitingUpToTheBatchSize() throws Exception {
        JobQueue q = new JobQueue(3, 6);
        for (int i = 0; i < 5; i++) {
            q.accept(job(i));
        }
        var first = q.nextBatch(Duration.ofMillis(10));
        assertEquals(3, first.size());
        assertEquals(0, first.getFirst().offset(), "arrival order");
        var second = q.nextBatch(Duration.ofMillis(10));
        assertEquals(2, second.size(), "does not wait to fill a batch");
        assertTrue(q.nextBatch(Duration.ofMillis(10)).isEmpty());
    }

    @Test
    void roomCountsWaitingAndRunning() throws Exception {
        JobQueue q = new JobQueue(2, 4);
        for (int i = 0; i < 4; i++) {
            q.accept(job(i));
        }
        assertFalse(q.hasRoom());
        var batch = q.nextBatch(Duration.ZERO);
        assertFalse(q.hasRoom(), "taken jobs still count while they run");
        q.finished(batch.size());
        assertTrue(q.hasRoom());
        assertEquals(2, q.takeAllWaiting().size());
        assertEquals(0, q.waitingCount());
    }
}
