package io.gemmafleet.intake;

/** Where an intake hands received jobs; never blocks, and tells the intake whether it wants more. */
public interface JobSink {

    void accept(IncomingJob job);

    /** Whether the worker can take more jobs now; intakes stop fetching (pause) while it says no. */
    boolean hasRoom();
}
