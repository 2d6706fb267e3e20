package io.gemmafleet.backend;

/**
 * How an executor should use its hardware.
 *
 * @param threads CPU threads for the compute (0 = all available cores)
 * @param maxContext longest sequence (positions) a cache may hold
 */
public record ExecutorOptions(int threads, int maxContext) {

    public static ExecutorOptions defaults(int maxContext) {
        return new ExecutorOptions(0, maxContext);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
