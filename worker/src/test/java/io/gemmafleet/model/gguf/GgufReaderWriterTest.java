package io.gemmafleet.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.io.LittleEndianOutput;
import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.quant.Quantizer;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GgufReaderWriterTest {

    @TempDir
    Path dir;

    private static byte[] randomTensor(GgmlType type, long[] shape, long seed) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return Quantizer.quantize(type, x);
    }

    @Test
    void roundTripKeepsMetadataAndTensorBytes() throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("gemma3"));
        w.put("general.alignment", GgufValue.uint32(64));
        w.put("u8", new GgufValue(GgufValueType.UINT8, null, 200L));
        w.put("i8", new GgufValue(GgufValueType.INT8, null, -5L));
        w.put("u16", new GgufValue(GgufValueType.UINT16, null, 60000L));
        w.put("i16", new GgufValue(GgufValueType.INT16, null, -300L));
        w.put("i32", GgufValue.int32(-70000));
        w.put("u64", new GgufValue(GgufValueType.UINT64, null, 1L << 40));
        w.put("i64", new GgufValue(GgufValueType.INT64, null, -(1L << 40)));
        w.put("f32", GgufValue.float32(1.5f));
        w.put("f64", new GgufValue(GgufValueType.FLOAT64, null, 2.25));
        w.put("bool", GgufValue.bool(true));
        w.put("strings", GgufValue.stringArray(List.of("a", "▁b", "")));
        w.put("floats", GgufValue.float32Array(new float[] {1, -2}));
        w.put("ints", GgufValue.intArray(GgufValueType.INT32, new long[] {1, -2, 3}));
        w.put("bools", new GgufValue(GgufValueType.ARRAY, GgufValueType.BOOL, new boolean[] {true, false}));
        w.put("doubles", new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT64, new double[] {0.5}));
        record Spec(String name, GgmlType type, long[] shape) {}
        List<Spec> specs = List.of(
                new Spec("a", GgmlType.F32, new long[] {3}),
                new Spec("b", GgmlType.F16, new long[] {5, 7}),
                new Spec("c", GgmlType.BF16, new long[] {2, 3, 4}),
                new Spec("d", GgmlType.Q8_0, new long[] {3, 64}),
                new Spec("e", GgmlType.Q4_0, new long[] {2, 96}));
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            w.addTensor(s.name, s.type, s.shape, TensorPayload.of(randomTensor(s.type, s.shape, i)));
        }
        Path file = dir.resolve("t.gguf");
        w.write(file);

        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufReader.read(file, arena);
            assertEquals(3, g.version());
            assertEquals(64, g.alignment());
            assertEquals("gemma3", g.getString("general.architecture"));
            assertEquals(200, g.getLong("u8"));
            assertEquals(-5, g.getLong("i8"));
            assertEquals(60000, g.getLong("u16"));
            assertEquals(-300, g.getLong("i16"));
            assertEquals(-70000, g.getInt("i32"));
            assertEquals(1L << 40, g.getLong("u64"));
            assertEquals(-(1L << 40), g.getLong("i64"));
            assertEquals(1.5, g.getDouble("f32"));
            assertEquals(2.25, g.getDouble("f64"));
            assertTrue(g.getBoolean("bool", false));
            assertEquals(List.of("a", "▁b", ""), g.getStringArray("strings"));
            assertArrayEquals(new float[] {1, -2}, g.getFloatArray("floats"));
            assertArrayEquals(new int[] {1, -2, 3}, g.getIntArray("ints"));
            assertArrayEquals(new boolean[] {true, false}, (boolean[]) g.metadata().get("bools").value());
            assertArrayEquals(new double[] {0.5}, (double[]) g.metadata().get("doubles").value());
            assertEquals(List.of("a", "b", "c", "d", "e"), List.copyOf(g.tensors().keySet()));
            for (int i = 0; i < specs.size(); i++) {
                Spec s = specs.get(i);
                TensorData t = g.tensors().get(s.name);
                assertEquals(s.type, t.type());
                assertArrayEquals(s.shape, t.shape());
                assertArrayEquals(randomTensor(s.type, s.shape, i), t.data().toArray(ValueLayout.JAVA_BYTE));
                long offsetInFile = t.data().address() - g.tensors().get("a").data().address();
                assertEquals(0, offsetInFile % 64, "aligned data for " + s.name);
            }
        }
    }

    @Test
    void dimsAreStoredReversed() throws IOException {
        Path file = dir.resolve("dims.gguf");
        new GgufWriter().addTensor("m", GgmlType.F32, new long[] {2, 3}, TensorPayload.of(new byte[24])).write(file);
        byte[] b = Files.readAllBytes(file);
        // header: magic, version, counts (24 bytes), name (8 + 1), n_dims (4), then ne[0] = 3, ne[1] = 2
        assertEquals(3, b[24 + 9 + 4]);
        assertEquals(2, b[24 + 9 + 4 + 8]);
    }

    // ---- corrupt input ---------------------------------------------------------------------------------------

    private Path validFile() throws IOException {
        Path file = dir.resolve("valid.gguf");
        new GgufWriter()
                .put("general.architecture", GgufValue.string("gemma3"))
                .addTensor("w", GgmlType.F32, new long[] {4, 8}, TensorPayload.of(new byte[128]))
                .write(file);
        return file;
    }

    private String failure(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> GgufReader.read(file, arena));
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            return e.getMessage();
        }
    }

    private Path withBytes(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void truncatedInHeader() throws IOException {
        byte[] b = Files.readAllBytes(validFile());
        String m = failure(withBytes("cut.gguf", Arrays.copyOf(b, 30)));
        assertTrue(m.contains("truncated"), m);
    }

    @Test
    void truncatedInData() throws IOException {
        byte[] b = Files.readAllBytes(validFile());
        String m = failure(withBytes("cut.gguf", Arrays.copyOf(b, b.length - 10)));
        assertTrue(m.contains("truncated") && m.contains("tensor w"), m);
    }

    @Test
    void badMagicAndEmptyFile() throws IOException {
        byte[] b = Files.readAllBytes(validFile());
        b[0] = 'X';
        assertTrue(failure(withBytes("magic.gguf", b)).contains("bad magic"));
        assertTrue(failure(withBytes("empty.gguf", new byte[0])).contains("bad magic"));
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] b = Files.readAllBytes(validFile());
        b[4] = 99;
        String m = failure(withBytes("v99.gguf", b));
        assertTrue(m.contains("unsupported GGUF version 99"), m);
    }

    /** A hand-built GGUF with one tensor of an arbitrary type id. */
    private static byte[] rawTensorFile(int typeId, long[] ggmlDims, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (LittleEndianOutput out = new LittleEndianOutput(bytes)) {
            out.u32(GgufReader.MAGIC);
            out.u32(3);
            out.u64(1);
            out.u64(0);
            out.ggufString("blk.0.attn_q.weight");
            out.u32(ggmlDims.length);
            for (long d : ggmlDims) out.u64(d);
            out.u32(typeId);
            out.u64(0);
            out.padTo(32);
            out.write(new byte[dataBytes]);
        }
        return bytes.toByteArray();
    }

    @Test
    void unknownTypeId() throws IOException {
        String m = failure(withBytes("t99.gguf", rawTensorFile(99, new long[] {32}, 64)));
        assertTrue(m.contains("blk.0.attn_q.weight") && m.contains("unknown ggml type id 99"), m);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q2_K", "Q3_K", "IQ4_XS", "Q8_K"})
    void knownButUnsupportedTypeIsOneLineNamingTensorAndType(GgmlType type) throws IOException {
        String m = failure(withBytes(type + ".gguf", rawTensorFile(type.id(), new long[] {256}, type.bytesPerBlock())));
        assertTrue(m.contains("blk.0.attn_q.weight") && m.contains(type.name()) && m.contains("cannot run"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void absurdLengthsFailFast() throws IOException {
        long start = System.nanoTime();
        // tensor count 2^40
        byte[] b = Files.readAllBytes(validFile());
        byte[] huge = b.clone();
        huge[8 + 5] = 1;
        assertTrue(failure(withBytes("count.gguf", huge)).contains("absurd tensor count"));
        // metadata count near 2^64
        huge = b.clone();
        Arrays.fill(huge, 16, 24, (byte) 0xFF);
        assertTrue(failure(withBytes("kv.gguf", huge)).contains("absurd metadata count"));
        // key length 2^62
        huge = b.clone();
        huge[24 + 7] = 0x40;
        assertTrue(failure(withBytes("key.gguf", huge)).contains("absurd length"));
        // n_dims garbage, dimension garbage
        assertTrue(failure(withBytes("ndims.gguf", rawTensorFile(0, new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 4)))
                .contains("dimensions"));
        assertTrue(failure(withBytes("dim.gguf", rawTensorFile(0, new long[] {Long.MAX_VALUE / 2, 8}, 4)))
                .contains("absurd dimension"));
        // array length 2^40
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (LittleEndianOutput out = new LittleEndianOutput(bytes)) {
            out.u32(GgufReader.MAGIC);
            out.u32(3);
            out.u64(0);
            out.u64(1);
            out.ggufString("tokenizer.ggml.tokens");
            out.u32(GgufValueType.ARRAY.id());
            out.u32(GgufValueType.STRING.id());
            out.u64(1L << 40);
        }
        assertTrue(failure(withBytes("array.gguf", bytes.toByteArray())).contains("absurd array length"));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "corrupt headers must fail fast");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
        byte[] b = Files.readAllBytes(validFile());
        SplittableRandom r = new SplittableRandom(42);
        int headerEnd = b.length - 128;
        for (int trial = 0; trial < 300; trial++) {
            byte[] c = b.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                c[r.nextInt(headerEnd)] = (byte) r.nextInt(256);
            }
            Path p = withBytes("fuzz.gguf", c);
            try (Arena arena = Arena.ofConfined()) {
                GgufReader.read(p, arena);
            } catch (ModelLoadException e) {
                assertEquals(1, e.getMessage().lines().count());
            }
        }
    }
}
