package io.gemmafleet.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of compute threads that run one data-parallel task at a time, the calling thread included.
 *
 * <p>A forward step dispatches a few hundred short tasks (one per matrix product), so dispatch must cost
 * microseconds: workers spin briefly after a task before they park, and the caller does a share of the work
 * itself. Not for general-purpose use: one caller at a time.
 */
public final class ThreadTeam implements AutoCloseable {

    /** Work split across the team: member {@code index} of {@code count} does its share. */
    @FunctionalInterface
    public interface Task {
        void run(int index, int count);
    }

    /**
     * How long an idle worker spins before parking: longer than the gap between a step's dispatches, short enough
     * not to steal much from other processes when the cores are oversubscribed.
     */
    private static final long SPIN_NANOS = 200_000L;
    /** Chunks per member in {@link #forRange}: enough to balance, few enough that claiming stays cheap. */
    private static final int CHUNKS_PER_MEMBER = 8;

    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task current;
    private volatile Throwable failure;
    private volatile boolean closed;

    public ThreadTeam(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a team needs at least one member");
        }
        workers = new Thread[size - 1];
        for (int i = 0; i < workers.length; i++) {
            int index = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("gemma-cpu-" + index).start(() -> workLoop(index));
        }
    }

    public int size() {
        return workers.length + 1;
    }

    /** Runs {@code task} on every member and returns when all are done; rethrows a member's failure. */
    public void run(Task task) {
        int count = size();
        if (count == 1) {
            task.run(0, 1);
            return;
        }
        failure = null;
        current = task;
        pending.set(workers.length);
        generation.incrementAndGet();
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Throwable own = null;
        try {
            task.run(0, count);
        } catch (Throwable t) {
            own = t;
        }
        awaitMembers();
        current = null;
        Throwable t = own != null ? own : failure;
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /** Waits for the other members: spins briefly, then yields the core (a member may have been descheduled). */
    private void awaitMembers() {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() > 0) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * Runs {@code body} over {@code [0, total)} in contiguous chunks that members claim as they go, so a member
     * slowed by another process on its core does not hold up the others at the end of the task.
     */
    public void forRange(int total, RangeBody body) {
        int chunks = Math.min(total, size() * CHUNKS_PER_MEMBER);
        if (chunks <= 1) {
            if (total > 0) {
                body.run(0, total, 0);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        run((index, count) -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                int start = (int) ((long) total * c / chunks);
                int end = (int) ((long) total * (c + 1) / chunks);
                body.run(start, end, index);
            }
        });
    }


    /** Work on the half-open range {@code [start, end)}; {@code member} identifies the thread's scratch space. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end, int member);
    }

    private void workLoop(int index) {
        int seen = 0;
        while (!closed) {
            int g = generation.get();
            if (g == seen) {
                waitForWork(seen);
                continue;
            }
            seen = g;
            try {
                current.run(index, size());
            } catch (Throwable t) {
                failure = t;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void waitForWork(int seen) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 64; i++) {
                if (generation.get() != seen || closed) {
                    return;
                }
                Thread.onSpinWait();
            }
        }
        LockSupport.parkNanos(this, 1_000_000L);
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
