package io.gemmafleet.model.load;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one entry point that turns a user's model argument into a {@link Checkpoint}: a GGUF file (recognised by its
 * magic, whatever its extension — Ollama blobs have none), a Hugging Face folder (or a file inside one), or an
 * {@code ollama:NAME[:TAG]} reference. Every failure is a one-line {@link ModelLoadException}; on failure all mapped
 * memory is released.
 */
public final class CheckpointLoader {

    private CheckpointLoader() {}

    /** Loads {@code pathOrRef}, resolving Ollama references against the user's store. */
    public static Checkpoint load(String pathOrRef) {
        return load(pathOrRef, OllamaStore.fromEnvironment());
    }

    /** Loads {@code pathOrRef}, resolving Ollama references against {@code ollama}. */
    public static Checkpoint load(String pathOrRef, OllamaStore ollama) {
        if (pathOrRef.startsWith(OllamaStore.PREFIX)) {
            return loadFile(ollama.resolve(pathOrRef));
        }
        Path path = Path.of(pathOrRef);
        if (Files.isDirectory(path)) {
            return withArena(arena -> HfCheckpointReader.read(path, arena));
        }
        if (!Files.exists(path)) {
            throw new ModelLoadException(path, "no such file or directory");
        }
        return loadFile(path);
    }

    private static Checkpoint loadFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (hasGgufMagic(file)) {
            return withArena(arena -> GgufCheckpointReader.read(file, arena));
        }
        if (name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".ckpt")) {
            throw new ModelLoadException(file, "PyTorch checkpoint files are not supported; use GGUF or a safetensors folder");
        }
        if (name.endsWith(".safetensors") || name.equals("config.json") || name.endsWith(".index.json")) {
            Path dir = file.toAbsolutePath().getParent();
            return withArena(arena -> HfCheckpointReader.read(dir, arena));
        }
        // Not GGUF and not recognisable otherwise: let the GGUF reader name the problem (bad magic, empty file).
        return withArena(arena -> GgufCheckpointReader.read(file, arena));
    }

    private static boolean hasGgufMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot read file: " + e.getMessage(), e);
        }
    }

    private interface ArenaLoad {
        Checkpoint load(Arena arena);
    }

    /** Runs a load in a fresh shared arena (the forward pass reads weights from many threads); closes it on failure. */
    private static Checkpoint withArena(ArenaLoad load) {
        Arena arena = Arena.ofShared();
        try {
            return load.load(arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }
}
