package io.gemmafleet.intake;

/**
 * A source of jobs from Kafka, run on its own thread so it never waits for inference. A job is acknowledged or
 * its offset committed only after {@link #complete} says its result is written.
 */
public interface JobIntake extends AutoCloseable {

    /** Starts the intake thread; received jobs go to {@code sink}. */
    void start(JobSink sink);

    /** Records how a job ended; thread-safe, applied on the intake thread. */
    void complete(IncomingJob job, Completion completion);

    /** Stops fetching new jobs until {@link #resume} (circuit breaker open); in-flight jobs still complete. */
    void pause();

    void resume();

    /** Stops fetching for good (drain); completions are still applied until {@link #close}. */
    void stopFetching();

    /** Whether the intake has joined its group and is fetching (readiness). */
    boolean isRunning();

    /** The largest record lag the consumer knows of, or -1 when the intake type does not report it. */
    long lag();

    /** "share" or "classic". */
    String mode();

    /** Applies outstanding completions, commits them, leaves the group. */
    @Override
    void close();

    /** Leaves without acknowledging or committing anything further: what a crash looks like to the broker. */
    void abort();
}
