package io.gemmafleet.engine;

import io.gemmafleet.model.Gemma3Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chooses what a worker serves from the memory it has: the first rung of its model ladder (say gemma-3-27b bf16,
 * then the same model QAT Q4_0) whose weights, activations and the KV cache of one full-length sequence fit the
 * budget at the desired context; if no rung fits, the context is halved (8192 → 4096 → …) down to the floor and
 * the ladder tried again at each length; if nothing fits even at the floor, the plan is refused with the numbers.
 *
 * <p>The budget is measured by the caller: on a GPU the device's free memory times a utilisation fraction, on the
 * CPU a configured figure. Activations are estimated for one prefill chunk and a batch of logit rows, with the
 * buffers the backends allocate (the residual stream, q|k|v, attention, gate|up and its product, the logits).
 */
public final class MemoryPlanner {

    /** One model the worker may serve, with the bytes its weights take once resident. */
    public record Rung(String name, Gemma3Config config, long weightBytes) {}

    /** What to serve, at which context, and the bytes it was planned with. */
    public record Plan(Rung rung, int context, long weightBytes, long activationBytes, long kvBytes, long budget) {

        public long totalBytes() {
            return weightBytes + activationBytes + kvBytes;
        }

        /** One line for the log and the metrics: which rung, which context, the numbers. */
        public String describe() {
            return String.format(Locale.ROOT, "%s at context %d: weights %s + activations %s + KV %s = %s of %s",
                    rung.name(), context, mib(weightBytes), mib(activationBytes), mib(kvBytes), mib(totalBytes()),
                    mib(budget));
        }
    }

    /** Nothing on the ladder fits the budget even at the floor context; the message states every rung's needs. */
    public static final class PlanRefusedException extends RuntimeException {
        public PlanRefusedException(String message) {
            super(message);
        }
    }

    private final KvFootprint kv;
    private final int prefillChunk;
    private final int logitRows;

    /**
     * @param kv how the backend stores the cache
     * @param prefillChunk most tokens one forward step feeds (sizes the activation estimate)
     * @param logitRows most logit rows one step produces (sequences in a batch)
     */
    public MemoryPlanner(KvFootprint kv, int prefillChunk, int logitRows) {
        this.kv = kv;
        this.prefillChunk = prefillChunk;
        this.logitRows = logitRows;
    }

    /**
     * Activation bytes for one step of {@code prefillChunk} tokens and {@code logitRows} logit rows (f32). The
     * fourth FFN-wide row per token is the CPU's tiled product repacking its input (at most an FFN row) once per
     * product.
     */
    public long activationBytes(Gemma3Config c) {
        long perToken = 3L * c.hiddenSize() + 2L * c.queryDim() + (c.queryDim() + 2L * c.kvDim()) + 4L * c.ffnSize();
        return 4L * (perToken * prefillChunk + (long) logitRows * (c.vocabSize() + c.hiddenSize()));
    }

    /** Bytes serving {@code rung} at {@code context} needs: weights + activations + one sequence's cache. */
    public long bytesNeeded(Rung rung, int context) {
        return rung.weightBytes() + activationBytes(rung.config()) + kv.bytes(rung.config(), context);
    }

    /**
     * The plan for {@code ladder} within {@code budget} bytes.
     *
     * @throws PlanRefusedException when no rung fits at {@code floorContext}
     */
    public Plan plan(List<Rung> ladder, int desiredContext, int floorContext, long budget) {
        if (ladder.isEmpty()) {
            throw new IllegalArgumentException("an empty model ladder");
        }
        if (floorContext <= 0 || floorContext > desiredContext) {
            throw new IllegalArgumentException("context floor " + floorContext + " must be in 1.." + desiredContext);
        }
        for (int context = desiredContext; context > 0; context = shorter(context, floorContext)) {
            for (Rung rung : ladder) {
                int served = Math.min(context, rung.config().contextLength());
                Plan p = new Plan(rung, served, rung.weightBytes(), activationBytes(rung.config()),
                        kv.bytes(rung.config(), served), budget);
                if (p.totalBytes() <= budget) {
                    return p;
                }
            }
        }
        List<String> needs = new ArrayList<>();
        for (Rung rung : ladder) {
            int served = Math.min(floorContext, rung.config().contextLength());
            needs.add(new Plan(rung, served, rung.weightBytes(), activationBytes(rung.config()),
                    kv.bytes(rung.config(), served), budget).describe());
        }
        throw new PlanRefusedException("no model on the ladder fits " + mib(budget) + " even at the context floor "
                + floorContext + ": " + String.join("; ", needs));
    }

    /** Half the context, but never below the floor, which is tried last; 0 once the floor has been tried. */
    private static int shorter(int context, int floor) {
        return context == floor ? 0 : Math.max(floor, context / 2);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024.0));
    }
}
