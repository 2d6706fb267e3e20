package io.gemmafleet.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GGUF over 2 GiB: a tensor that ends beyond the 2^31 byte mark and a tensor that starts there must read back
 * exactly (int-indexed buffers would overflow here). Writes about 2 GiB of zeros to a temporary file.
 */
class GgufLargeFileTest {

    @Test
    void tensorsBeyondTwoGibibytesReadBack(@TempDir Path dir) throws Exception {
        long bigElements = (1L << 29) + 64; // 2 GiB + 256 bytes of F32
        Path file = dir.resolve("large.gguf");
        try {
            new GgufWriter()
                    .put("general.architecture", GgufValue.string("gemma3"))
                    .addTensor("big", GgmlType.F32, new long[] {bigElements}, out -> {
                        byte[] zeros = new byte[1 << 20];
                        long remaining = bigElements * 4 - 4;
                        while (remaining > 0) {
                            int n = (int) Math.min(zeros.length, remaining);
                            out.write(zeros, 0, n);
                            remaining -= n;
                        }
                        out.write(littleEndianFloats(42f));
                    })
                    .addTensor("after", GgmlType.F32, new long[] {4}, out -> out.write(littleEndianFloats(1f, 2f, 3f, 4f)))
                    .write(file);
            assertTrue(Files.size(file) > (1L << 31));
            try (Arena arena = Arena.ofConfined()) {
                GgufFile gguf = GgufReader.read(file, arena);
                TensorData big = gguf.tensors().get("big");
                TensorData after = gguf.tensors().get("after");
                assertEquals(bigElements * 4, big.data().byteSize());
                ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                assertEquals(42f, big.data().get(f32, bigElements * 4 - 4));
                assertEquals(0f, big.data().get(f32, 1L << 31));
                for (int i = 0; i < 4; i++) {
                    assertEquals(i + 1f, after.data().get(f32, 4L * i));
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static byte[] littleEndianFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }
}
