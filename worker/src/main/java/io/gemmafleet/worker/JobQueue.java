package io.gemmafleet.worker;

import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.intake.JobSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hand-off between an intake thread and the inference thread: {@link #nextBatch} takes what is waiting, up to
 * the batch size, for the engine. {@link #hasRoom} counts waiting jobs and those handed out but not yet
 * {@linkplain #finished finished}, so an intake stops fetching once the engine holds its share.
 * {@code accept} never blocks the intake.
 */
public final class JobQueue implements JobSink {

    private final LinkedBlockingQueue<IncomingJob> waiting = new LinkedBlockingQueue<>();
    private final AtomicInteger running = new AtomicInteger();
    private final int batchSize;
    private final int capacity;

    /** @param capacity most jobs waiting plus running before intakes pause */
    public JobQueue(int batchSize, int capacity) {
        if (batchSize < 1 || capacity < batchSize) {
            throw new IllegalArgumentException("need 1 <= batch size <= capacity, got " + batchSize + ", " + capacity);
        }
        this.batchSize = batchSize;
        this.capacity = capacity;
    }

    @Override
    public void accept(IncomingJob job) {
        waiting.add(job);
    }

    @Override
    public boolean hasRoom() {
        return waiting.size() + running.get() < capacity;
    }

    /**
     * Waits up to {@code wait} for a first job, then takes every other waiting one up to the batch size; the
     * returned jobs count as running until {@link #finished}. Empty when nothing came.
     */
    public List<IncomingJob> nextBatch(Duration wait) throws InterruptedException {
        IncomingJob first = waiting.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
            return List.of();
        }
        List<IncomingJob> batch = new ArrayList<>(batchSize);
        batch.add(first);
        waiting.drainTo(batch, batchSize - 1);
        running.addAndGet(batch.size());
        return batch;
    }

    public void finished(int jobs) {
        running.addAndGet(-jobs);
    }

    /** Removes and returns every waiting job (drain deadline reached: they are released, not run). */
    public List<IncomingJob> takeAllWaiting() {
        List<IncomingJob> all = new ArrayList<>();
        waiting.drainTo(all);
        return all;
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int runningCount() {
        return running.get();
    }
}
