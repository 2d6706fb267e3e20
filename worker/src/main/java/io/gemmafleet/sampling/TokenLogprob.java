package io.gemmafleet.sampling;

import java.util.List;

/**
 * The log-probability of a generated token under the model's raw distribution (before penalties, temperature
 * and truncation), with the most likely alternatives at that step, most likely first.
 */
public record TokenLogprob(int token, float logprob, List<Alternative> top) {

    /** One alternative token and its log-probability. */
    public record Alternative(int token, float logprob) {}
}
