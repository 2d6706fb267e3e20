package io.gemmafleet.model.io;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The bytes of one tensor, produced on demand while a checkpoint file is written, so that writers can stream
 * models far larger than the heap. An implementation must write exactly the tensor's byte size.
 */
@FunctionalInterface
public interface TensorPayload {

    void writeTo(OutputStream out) throws IOException;

    /** The bytes of an existing segment (e.g. a tensor read from another file), copied in 1 MiB chunks. */
    static TensorPayload of(MemorySegment data) {
        return out -> {
            byte[] chunk = new byte[(int) Math.min(1 << 20, Math.max(1, data.byteSize()))];
            for (long pos = 0; pos < data.byteSize(); pos += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - pos);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        };
    }

    /** A small tensor held in a byte array. */
    static TensorPayload of(byte[] bytes) {
        return out -> out.write(bytes);
    }
}
