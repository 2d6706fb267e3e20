package io.gemmafleet.engine;

import io.gemmafleet.engine.kv.KvPoolSize;
import io.gemmafleet.model.Gemma3Config;

/**
 * How the engine schedules forward steps.
 *
 * @param maxRunning most sequences in one step (admitted and holding cache)
 * @param stepTokens most tokens one step feeds, decodes and prefill chunks together: bounds a step's time, so
 *     decoding sequences get a token at a steady pace while long prompts are prefilled
 * @param prefillChunk most prompt tokens one sequence feeds per step; below {@code stepTokens} so that newly
 *     arrived short prompts find room in the step even while a long prompt is being prefilled
 * @param maxContext most positions one sequence may reach
 * @param pools how many cache blocks the global and sliding-window layers have
 * @param prefixCaching whether requests share the cache blocks of a common prompt prefix
 */
public record EngineConfig(int maxRunning, int stepTokens, int prefillChunk, int maxContext, KvPoolSize pools,
                           boolean prefixCaching) {

    public EngineConfig {
        if (maxRunning < 1 || stepTokens < 1 || prefillChunk < 1 || maxContext < 1) {
            throw new IllegalArgumentException("engine sizes must be positive: running " + maxRunning
                    + ", step tokens " + stepTokens + ", prefill chunk " + prefillChunk + ", context " + maxContext);
        }
        prefillChunk = Math.min(prefillChunk, stepTokens);
    }

    /**
     * Tokens one sequence may have to feed in one step whatever the prefill chunk: an image's 256 soft tokens, which
     * attend to each other. A worker's sliding-layer pools leave room for it.
     */
    public static final int IMAGE_STEP = 256;

    /** Most tokens a step feeds by default: a step of a 1B model on a few CPU cores stays well under a second. */
    public static final int DEFAULT_STEP_TOKENS = 512;

    /**
     * A worker's engine: {@code stepTokens} tokens a step, half of them at most for one prompt, prefix caching on,
     * and cache pools that hold {@code maxRunning} full-length sequences (so nothing is preempted; a memory plan
     * sizes them smaller). Smaller steps shorten the wait of a request arriving during a long prefill, larger ones
     * prefill faster.
     */
    public static EngineConfig forWorker(Gemma3Config model, int maxRunning, int context, int stepTokens) {
        int chunk = Math.max(1, stepTokens / 2);
        return new EngineConfig(maxRunning, stepTokens, chunk, context,
                KvPoolSize.forSequences(model, maxRunning, context, Math.max(chunk, IMAGE_STEP)), true);
    }

    /** {@link #forWorker(Gemma3Config, int, int, int)} with {@value #DEFAULT_STEP_TOKENS} tokens a step. */
    public static EngineConfig forWorker(Gemma3Config model, int maxRunning, int context) {
        return forWorker(model, maxRunning, context, DEFAULT_STEP_TOKENS);
    }

    public EngineConfig withPools(KvPoolSize p) {
        return new EngineConfig(maxRunning, stepTokens, prefillChunk, maxContext, p, prefixCaching);
    }

    public EngineConfig withMaxContext(int context) {
        return new EngineConfig(maxRunning, stepTokens, prefillChunk, context, pools, prefixCaching);
    }
}
