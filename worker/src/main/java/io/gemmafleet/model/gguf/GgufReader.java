package io.gemmafleet.model.gguf;

import io.gemmafleet.model.io.MappedFiles;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads GGUF files (versions 2 and 3, little-endian) by memory-mapping them: metadata is decoded onto the heap,
 * tensor data stays in the mapping (valid while the arena is open).
 *
 * <p>Guarantees on corrupt input: every length and count is checked against the bytes left in the file and against
 * sane caps before anything is allocated or looped over, so garbage headers end in a one-line
 * {@link ModelLoadException} (naming the file and problem), never an OutOfMemoryError or a hang. Tensors must have a
 * type this runtime can run ({@link #RUNNABLE_TYPES}); the architecture is not checked here (see the loader).
 */
public final class GgufReader {

    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final long DEFAULT_ALIGNMENT = 32;
    /** The tensor types the runtime has kernels for. */
    public static final Set<GgmlType> RUNNABLE_TYPES =
            EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
                    GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    // Caps far above anything a real model has, far below what would exhaust memory.
    private static final long MAX_STRING_BYTES = 64L << 20;
    private static final long MAX_ARRAY_LENGTH = 16L << 20;
    private static final long MAX_COUNT = 1L << 20;
    private static final int MAX_DIMS = 4;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment file;
    private long pos;

    private GgufReader(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
    }

    /** Maps and parses {@code path}; tensor data lives as long as {@code arena}. */
    public static GgufFile read(Path path, Arena arena) {
        return new GgufReader(path, MappedFiles.map(path, arena)).parse();
    }

    /** Whether {@code segment} starts with the GGUF magic. */
    public static boolean hasMagic(MemorySegment segment) {
        return segment.byteSize() >= 4 && segment.get(U32, 0) == MAGIC;
    }

    private GgufFile parse() {
        if (file.byteSize() < 4 || file.get(U32, 0) != MAGIC) {
            throw fail("not a GGUF file (bad magic)");
        }
        pos = 4;
        int version = u32();
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 3 || Integer.reverseBytes(version) == 2 ? " (big-endian GGUF)" : "";
            throw fail("unsupported GGUF version " + Integer.toUnsignedString(version) + hint + "; supported: 2, 3");
        }
        long tensorCount = count("tensor count", 24);
        long kvCount = count("metadata count", 13);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string("metadata key");
            GgufValueType type = valueType(key);
            metadata.put(key, value(key, type));
        }
        long alignment = alignment(metadata.get("general.alignment"));

        List<TensorInfo> infos = new ArrayList<>((int) tensorCount);
        for (long i = 0; i < tensorCount; i++) {
            infos.add(tensorInfo());
        }
        long dataStart = alignUp(pos, alignment);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (TensorInfo info : infos) {
            if (tensors.put(info.name, tensorData(info, dataStart, alignment)) != null) {
                throw fail("duplicate tensor name " + info.name);
            }
        }
        return new GgufFile(path, version, alignment, metadata, tensors);
    }

    private record TensorInfo(String name, long[] ggmlDims, int typeId, long offset) {}

    private TensorInfo tensorInfo() {
        String name = string("tensor name");
        int nDims = u32();
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw fail("tensor " + name + " has " + Integer.toUnsignedString(nDims) + " dimensions (at most " + MAX_DIMS + ")");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = u64();
            if (dims[d] <= 0 || dims[d] > file.byteSize() * 4 + 64) {
                // no tensor can have more elements per axis than the file has bytes (Q4_0 packs 2 per byte)
                throw fail("tensor " + name + " has an absurd dimension " + Long.toUnsignedString(dims[d]));
            }
            try {
                elements = Math.multiplyExact(elements, dims[d]);
            } catch (ArithmeticException e) {
                throw fail("tensor " + name + " has an absurd element count");
            }
        }
        int typeId = u32();
        long offset = u64();
        return new TensorInfo(name, dims, typeId, offset);
    }

    private TensorData tensorData(TensorInfo info, long dataStart, long alignment) {
        GgmlType type = GgmlType.byId(info.typeId);
        if (type == null) {
            throw fail("tensor " + info.name + " has unknown ggml type id " + Integer.toUnsignedString(info.typeId));
        }
        if (!RUNNABLE_TYPES.contains(type)) {
            throw fail("tensor " + info.name + " has type " + type + ", which this runtime cannot run (supported: "
                    + RUNNABLE_TYPES + ")");
        }
        long[] shape = new long[info.ggmlDims.length];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = info.ggmlDims[shape.length - 1 - d];
        }
        if (info.ggmlDims[0] % type.blockSize() != 0) {
            throw fail("tensor " + info.name + " of type " + type + " has a row of " + info.ggmlDims[0]
                    + " elements, not a multiple of the block size " + type.blockSize());
        }
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        long bytes = type.byteSize(elements);
        if (info.offset < 0 || info.offset % alignment != 0) {
            throw fail("tensor " + info.name + " has a misaligned data offset " + Long.toUnsignedString(info.offset));
        }
        long end = dataStart + info.offset + bytes;
        if (info.offset > file.byteSize() || end < 0 || end > file.byteSize()) {
            throw fail("truncated file: tensor " + info.name + " data ends at byte " + Long.toUnsignedString(end)
                    + " but the file has " + file.byteSize() + " bytes");
        }
        return new TensorData(info.name, type, shape, file.asSlice(dataStart + info.offset, bytes));
    }

    private long alignment(GgufValue v) {
        if (v == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!v.type().isInteger()) {
            throw fail("general.alignment is " + v.type() + ", expected an integer");
        }
        long a = (Long) v.value();
        if (a <= 0 || Long.bitCount(a) != 1 || a > (1 << 20)) {
            throw fail("general.alignment " + a + " is not a power of two up to 1 MiB");
        }
        return a;
    }

    private GgufValue value(String key, GgufValueType type) {
        return switch (type) {
            case ARRAY -> array(key);
            default -> new GgufValue(type, null, scalar(key, type));
        };
    }

    private Object scalar(String key, GgufValueType type) {
        return switch (type) {
            case UINT8 -> (long) (u8() & 0xFF);
            case INT8 -> (long) u8();
            case UINT16 -> (long) (u16() & 0xFFFF);
            case INT16 -> (long) u16();
            case UINT32 -> Integer.toUnsignedLong(u32());
            case INT32 -> (long) u32();
            case UINT64, INT64 -> u64();
            case FLOAT32 -> f32();
            case FLOAT64 -> f64();
            case BOOL -> u8() != 0;
            case STRING -> string("value of " + key);
            case ARRAY -> throw fail("metadata " + key + " is a nested array, which is not supported");
        };
    }

    private GgufValue array(String key) {
        GgufValueType element = valueType(key);
        if (element == GgufValueType.ARRAY) {
            throw fail("metadata " + key + " is a nested array, which is not supported");
        }
        long n = u64();
        if (n < 0 || n > MAX_ARRAY_LENGTH || n * element.minBytes() > remaining()) {
            throw fail("metadata " + key + " declares an absurd array length " + Long.toUnsignedString(n));
        }
        int len = (int) n;
        Object values = switch (element) {
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = f32();
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = f64();
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = u8() != 0;
                yield a;
            }
            case STRING -> {
                List<String> a = new ArrayList<>(len);
                for (int i = 0; i < len; i++) a.add(string("element of " + key));
                yield List.copyOf(a);
            }
            default -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = (Long) scalar(key, element);
                yield a;
            }
        };
        return new GgufValue(GgufValueType.ARRAY, element, values);
    }

    private GgufValueType valueType(String key) {
        int id = u32();
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) {
            throw fail("metadata " + key + " has unknown value type " + Integer.toUnsignedString(id));
        }
        return t;
    }

    /** A count field, rejected when even its smallest possible records could not fit in the rest of the file. */
    private long count(String what, int minRecordBytes) {
        long n = u64();
        if (n < 0 || n > MAX_COUNT || n * minRecordBytes > remaining()) {
            throw fail("absurd " + what + " " + Long.toUnsignedString(n) + " in header (corrupt or truncated file)");
        }
        return n;
    }

    private String string(String what) {
        long n = u64();
        if (n < 0 || n > MAX_STRING_BYTES || n > remaining()) {
            if (n >= 0 && n <= MAX_STRING_BYTES) {
                throw truncated(what, n);
            }
            throw fail("absurd length " + Long.toUnsignedString(n) + " for " + what);
        }
        byte[] bytes = file.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not valid UTF-8");
        }
    }

    private long remaining() {
        return file.byteSize() - pos;
    }

    private void need(long n, String what) {
        if (n > remaining()) {
            throw truncated(what, n);
        }
    }

    private ModelLoadException truncated(String what, long n) {
        return fail("truncated file: header cut short reading " + what + " (" + n + " bytes at offset " + pos
                + ", file has " + file.byteSize() + " bytes)");
    }

    private byte u8() {
        need(1, "a byte");
        return file.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short u16() {
        need(2, "a 16-bit value");
        short v = file.get(U16, pos);
        pos += 2;
        return v;
    }

    private int u32() {
        need(4, "a 32-bit value");
        int v = file.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64() {
        need(8, "a 64-bit value");
        long v = file.get(U64, pos);
        pos += 8;
        return v;
    }

    private float f32() {
        need(4, "a float");
        float v = file.get(F32, pos);
        pos += 4;
        return v;
    }

    private double f64() {
        need(8, "a double");
        double v = file.get(F64, pos);
        pos += 8;
        return v;
    }

    private static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private ModelLoadException fail(String problem) {
        return new ModelLoadException(path, problem);
    }
}
