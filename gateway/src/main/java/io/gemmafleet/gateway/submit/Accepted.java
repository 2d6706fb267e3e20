package io.gemmafleet.gateway.submit;

/** A job durably written (acknowledged by all in-sync replicas) to {@code topic}. */
public record Accepted(String jobId, String topic, String owner) {}
