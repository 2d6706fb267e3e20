package io.gemmafleet.model.io;

import io.gemmafleet.model.load.ModelLoadException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Maps whole checkpoint files read-only into memory owned by an {@link Arena}, so weights never touch the heap. */
public final class MappedFiles {

    private MappedFiles() {}

    /**
     * Maps {@code file} read-only for the lifetime of {@code arena}. Works for files over 2 GiB (FFM segments are
     * long-indexed). An empty file maps to an empty segment. I/O failures become a one-line {@link ModelLoadException}.
     */
    public static MemorySegment map(Path file, Arena arena) {
        if (Files.isDirectory(file)) {
            throw new ModelLoadException(file, "is a directory, expected a file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                return MemorySegment.NULL.reinterpret(0);
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file, "file not found");
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot read file: " + e.getMessage(), e);
        }
    }
}
