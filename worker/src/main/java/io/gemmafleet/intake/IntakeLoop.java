package io.gemmafleet.intake;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The plumbing both intake kinds share: the intake thread, the queue through which other threads report finished
 * jobs to it, the pause/drain/stop flags it obeys, and a close that waits for it to leave its group.
 *
 * <p>A subclass supplies {@link #run}, the poll loop: it runs until {@link #closing} is set, applies
 * {@link #completions} on its own thread (consumers are single-threaded), and closes its consumer before
 * returning — after acknowledging or committing what it can unless {@link #aborting}.
 */
abstract class IntakeLoop implements JobIntake {

    /** How a job ended, queued for the intake thread. */
    protected record Done(IncomingJob job, Completion completion) {}

    protected final LinkedBlockingQueue<Done> completions = new LinkedBlockingQueue<>();
    protected volatile boolean paused;
    protected volatile boolean fetching = true;
    protected volatile boolean running;
    protected volatile boolean closing;
    protected volatile boolean aborting;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final String threadName;
    private Thread thread;

    protected IntakeLoop(String threadName) {
        this.threadName = threadName;
    }

    /** The poll loop; see the class comment for its duties. */
    protected abstract void run(JobSink sink);

    /** Closes the consumer of an intake that was never started. */
    protected abstract void closeUnstarted();

    /** Whether the loop may fetch more jobs now: not paused, not draining, and the worker has room. */
    protected boolean wantsMore(JobSink sink) {
        return !paused && fetching && sink.hasRoom();
    }

    @Override
    public final void start(JobSink sink) {
        thread = Thread.ofPlatform().name(threadName).start(() -> {
            try {
                run(sink);
            } finally {
                running = false;
                stopped.countDown();
            }
        });
    }

    @Override
    public final void complete(IncomingJob job, Completion completion) {
        completions.add(new Done(job, completion));
    }

    @Override
    public final void pause() {
        paused = true;
    }

    @Override
    public final void resume() {
        paused = false;
    }

    @Override
    public final void stopFetching() {
        fetching = false;
    }

    @Override
    public final boolean isRunning() {
        return running;
    }

    @Override
    public final void close() {
        shutdown(false);
    }

    @Override
    public final void abort() {
        shutdown(true);
    }

    private void shutdown(boolean abort) {
        aborting = abort;
        closing = true;
        if (thread == null) {
            closeUnstarted();
            return;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
