package io.gemmafleet.gateway.view;

import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobState;

/**
 * What the gateway knows of one job. A terminal result always wins over progress events, whatever order the
 * topics delivered them in, so a poll never goes from {@code succeeded} back to {@code running}.
 *
 * @param owner the API key name that submitted it; null when only the result is known (job record not seen)
 * @param result the terminal result, null until there is one
 */
public record JobView(String jobId, String owner, JobState state, JobResult result) {

    static JobView accepted(String jobId, String owner) {
        return new JobView(jobId, owner, JobState.QUEUED, null);
    }

    static JobView progress(String jobId, JobState state) {
        return new JobView(jobId, null, state, null);
    }

    static JobView finished(JobResult result) {
        return new JobView(result.jobId(), null, JobState.valueOf(result.status().name()), result);
    }

    /** Both views of the same job combined: the first known owner, the furthest state, the latest result. */
    JobView merge(JobView later) {
        String o = owner != null ? owner : later.owner;
        if (later.result != null) {
            return new JobView(jobId, o, later.state, later.result);
        }
        if (result != null) {
            return new JobView(jobId, o, state, result);
        }
        JobState s = later.state.ordinal() > state.ordinal() ? later.state : state;
        return new JobView(jobId, o, s, null);
    }
}
