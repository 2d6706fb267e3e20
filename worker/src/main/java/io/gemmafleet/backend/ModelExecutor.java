package io.gemmafleet.backend;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.sampling.Sampler;
import io.gemmafleet.sampling.TokenChoice;
import java.util.List;

/**
 * Runs forward steps of one resident Gemma 3 model on some hardware and keeps each sequence's key/value cache.
 *
 * <p>This is the seam between the engine and a backend: the engine decides which sequences advance by which
 * tokens; the executor computes. A backend implements the whole step so it is free to fuse operations.
 * Executors are not thread-safe: one engine thread drives one executor.
 */
public interface ModelExecutor extends AutoCloseable {

    Gemma3Config config();

    /**
     * Feeds every sequence's tokens through the model, extending its cache.
     *
     * @return one array per step of the batch, in batch order: the logits (vocabulary-sized) after that step's last
     *     token, or null where the step did not ask for logits
     */
    float[][] step(StepBatch batch);

    /**
     * Like {@link #step}, but returns only the greedy choice (the arg-max logit, lowest index among equals) of each
     * step that asks for logits, and -1 for the others. A GPU backend picks on the device and copies back token ids
     * instead of vocabulary-sized rows.
     */
    default int[] stepGreedy(StepBatch batch) {
        float[][] logits = step(batch);
        int[] chosen = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            chosen[i] = logits[i] == null ? -1 : Sampler.argMax(logits[i]);
        }
        return chosen;
    }

    /**
     * Like {@link #step}, but chooses each token with {@code choices} (one per step of the batch; ignored where a
     * step wants no logits) and returns the ids, -1 where a step wanted no logits. The default picks on the host
     * with {@link TokenChoice#pick}; a GPU backend picks on the device.
     */
    default int[] stepSample(StepBatch batch, List<TokenChoice> choices) {
        float[][] logits = step(batch);
        int[] chosen = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            chosen[i] = logits[i] == null ? -1 : choices.get(i).pick(logits[i]);
        }
        return chosen;
    }

    /**
     * Whether {@link #stepSample} chooses on the device (and so saves copying logits back). The generator then
     * prefers it for requests that need nothing else from the logits.
     */
    default boolean choosesOnDevice() {
        return false;
    }

    /**
     * Whether the executor stores keys and values where the engine's block tables say ({@link SequenceStep#blocks()}
     * must be set), so that the engine pages the cache: sliding-window blocks freed, prefixes shared. Otherwise the
     * executor keeps each sequence's cache itself, keyed by sequence id, and throws {@link KvCacheFullException}
     * when it runs out.
     */
    default boolean usesBlockTables() {
        return false;
    }

    /**
     * Whether steps may carry {@link SequenceStep#images() image spans}: embeddings fed in place of placeholder
     * tokens, attending bidirectionally within each image. Executors that cannot must not be given image requests.
     */
    default boolean acceptsImages() {
        return false;
    }

    /** Forgets a sequence and frees its cache (executors that keep caches themselves). Unknown ids are ignored. */
    void release(long sequenceId);

    /** Frees everything the executor holds (caches, threads). */
    @Override
    void close();
}
