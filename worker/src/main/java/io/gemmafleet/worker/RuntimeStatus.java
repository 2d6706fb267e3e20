package io.gemmafleet.worker;

import io.gemmafleet.engine.EngineCounters;
import io.gemmafleet.engine.kv.KvBlockManager;

/**
 * A snapshot for metrics: the engine's counters, its cache gauges, and the position on the fallback ladder.
 *
 * @param rungIndex 0 for the first rung of the ladder, one more per step down
 */
public record RuntimeStatus(EngineCounters counters, KvBlockManager.Stats cache, int running, int waiting,
                            int rungIndex) {}
