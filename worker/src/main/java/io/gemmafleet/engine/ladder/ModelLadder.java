package io.gemmafleet.engine.ladder;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.engine.MemoryPlanner;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.load.OllamaStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The models a worker may serve, in ladder order, each as a {@link MemoryPlanner.Rung} with the model reference it
 * is opened from. Probing opens each checkpoint only to read its headers: tensor data stays mapped and unread, and
 * every checkpoint is closed again before the next is probed.
 */
public final class ModelLadder {

    /** One rung and where its model comes from. */
    public record Entry(String modelRef, MemoryPlanner.Rung rung) {}

    private final List<Entry> entries;

    public ModelLadder(List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("the model ladder is empty");
        }
        this.entries = List.copyOf(entries);
    }

    /** Probes {@code modelRefs} with the weight bytes {@code backend} will hold for each once opened. */
    public static ModelLadder probe(List<String> modelRefs, Backend backend) {
        return probe(modelRefs, backend::residentWeightBytes);
    }

    /**
     * Probes {@code modelRefs} in order with {@code weightBytes} as the resident size of each checkpoint.
     *
     * @throws io.gemmafleet.model.load.ModelLoadException naming the first model that does not load
     */
    public static ModelLadder probe(List<String> modelRefs, ToLongFunction<Checkpoint> weightBytes) {
        List<Entry> entries = new ArrayList<>();
        for (String ref : modelRefs) {
            try (Checkpoint checkpoint = CheckpointLoader.load(ref)) {
                entries.add(new Entry(ref, new MemoryPlanner.Rung(rungName(ref), checkpoint.config(),
                        weightBytes.applyAsLong(checkpoint))));
            }
        }
        return new ModelLadder(entries);
    }

    /** A model reference as a rung is named: the file or folder name, or an {@code ollama:} reference as given. */
    public static String rungName(String modelRef) {
        if (modelRef.startsWith(OllamaStore.PREFIX)) {
            return modelRef;
        }
        Path name = Path.of(modelRef).toAbsolutePath().normalize().getFileName();
        return name == null ? modelRef : name.toString();
    }

    public List<Entry> entries() {
        return entries;
    }

    public Entry entry(int index) {
        return entries.get(index);
    }

    /** The rungs alone, in order, as {@link MemoryPlanner#plan} takes them. */
    public List<MemoryPlanner.Rung> rungs() {
        return entries.stream().map(Entry::rung).toList();
    }

    public int size() {
        return entries.size();
    }
}
