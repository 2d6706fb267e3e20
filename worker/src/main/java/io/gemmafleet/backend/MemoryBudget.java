package io.gemmafleet.backend;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The bytes a worker may plan its model into (weights + activations + KV cache) on one backend, and where that
 * figure came from, for the plan's log line and a refusal's message.
 *
 * <p>On a GPU it is measured: the device's free memory times a utilisation fraction, capped by a configured figure
 * when one is given. On the CPU it is configured ({@code --memory-budget}); without one it is the machine's
 * physical memory (the container's limit where one applies). That is deliberately not the JVM heap: the CPU backend
 * serves weights from memory-mapped files, which live in the page cache outside the heap, so the heap bounds only
 * the KV cache and activations while the weights compete for physical memory. Set {@code --memory-budget} to share
 * a machine, and {@code -Xmx} large enough for the plan's KV cache and activations.
 *
 * @param source in words, e.g. {@code --memory-budget} or {@code 0.90 of 81559 MiB free on NVIDIA H100}
 */
public record MemoryBudget(long bytes, String source) {

    public MemoryBudget {
        if (bytes < 0) {
            throw new IllegalArgumentException("a memory budget cannot be negative, got " + bytes);
        }
        Objects.requireNonNull(source, "source");
    }

    /** A figure given by the operator. */
    public static MemoryBudget configured(long bytes) {
        return new MemoryBudget(bytes, "--memory-budget");
    }

    /** The machine's physical memory (the container's limit where one applies), or the JVM's heap limit if unknown. */
    public static MemoryBudget physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) {
                return new MemoryBudget(total, "physical memory (no --memory-budget)");
            }
        }
        return new MemoryBudget(Runtime.getRuntime().maxMemory(), "the JVM heap limit (no --memory-budget)");
    }

    /**
     * A device's budget: {@code utilisation} of its {@code freeBytes}, or the configured figure where that is
     * smaller.
     */
    public static MemoryBudget device(String deviceName, long freeBytes, double utilisation, OptionalLong configured) {
        checkUtilisation(utilisation);
        long measured = (long) (freeBytes * utilisation);
        String how = String.format(Locale.ROOT, "%.2f of %d MiB free on %s", utilisation, freeBytes >> 20,
                deviceName);
        if (configured.isPresent() && configured.getAsLong() < measured) {
            return new MemoryBudget(configured.getAsLong(), "--memory-budget (below " + how + ")");
        }
        return new MemoryBudget(measured, how);
    }

    /** Throws unless {@code 0 < utilisation <= 1}. */
    public static void checkUtilisation(double utilisation) {
        if (!(utilisation > 0 && utilisation <= 1)) {
            throw new IllegalArgumentException("memory utilisation " + utilisation + " must be in (0, 1]");
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.0f MiB (%s)", bytes / (1024.0 * 1024.0), source);
    }
}
