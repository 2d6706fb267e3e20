package io.gemmafleet.model.load;

import io.gemmafleet.model.tensor.TensorData;
import java.util.function.LongConsumer;

/**
 * Pages a checkpoint's memory-mapped tensors into memory before serving, so the first request does not pay for
 * disk reads, and reports progress (bytes done) as it goes — what a loading progress bar shows.
 */
public final class WeightWarmer {

    private WeightWarmer() {}

    /** Total bytes of tensor data in the checkpoint. */
    public static long totalBytes(Checkpoint checkpoint) {
        return checkpoint.tensors().values().stream().mapToLong(t -> t.data().byteSize()).sum();
    }

    /** Loads every tensor's pages; calls {@code progress} with the running byte count after each tensor. */
    public static void warm(Checkpoint checkpoint, LongConsumer progress) {
        long done = 0;
        for (TensorData tensor : checkpoint.tensors().values()) {
            if (tensor.data().isMapped()) {
                tensor.data().load();
            }
            done += tensor.data().byteSize();
            progress.accept(done);
        }
    }
}
