package io.gemmafleet.engine;

/**
 * Running totals of one engine since start, for metrics and benchmarks. Written by the engine thread only; other
 * threads may read slightly stale values.
 */
public final class EngineCounters {

    volatile long steps;
    volatile long tokensGenerated;
    /** Running sequences suspended for lack of cache blocks (to be recomputed). */
    volatile long preemptions;
    /** Of those, the ones displaced by a waiting request of a lower priority value. */
    volatile long priorityPreemptions;
    /** Prompt tokens that admission found in the prefix cache and did not compute. */
    volatile long prefixHitTokens;

    public long steps() {
        return steps;
    }

    public long tokensGenerated() {
        return tokensGenerated;
    }

    public long preemptions() {
        return preemptions;
    }

    public long priorityPreemptions() {
        return priorityPreemptions;
    }

    public long prefixHitTokens() {
        return prefixHitTokens;
    }
}
