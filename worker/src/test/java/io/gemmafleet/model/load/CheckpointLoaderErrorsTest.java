package io.gemmafleet.model.load;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.model.gguf.GgufValue;
import io.gemmafleet.model.gguf.GgufWriter;
import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input ends in one line that names the file and the problem. */
class CheckpointLoaderErrorsTest {

    @TempDir
    Path dir;

    private static String fails(Path p) {
        String m = LoadFailures.message(() -> CheckpointLoader.load(p.toString()));
        return m;
    }

    private static void assertMessage(String m, Path file, String... parts) {
        assertTrue(m.contains(file.getFileName().toString()), "names the file: " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), "mentions '" + part + "': " + m);
        }
    }

    private Path hfCopy(String name, long maxShardBytes) throws IOException {
        return CheckpointLoaderTest.writer(maxShardBytes).writeModel(dir.resolve(name), TestModelFormat.SAFETENSORS,
                CheckpointLoaderTest.SMALL, TestModelDtype.F32, 1).path();
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    @Test
    void ggufWithWrongArchitecture() throws IOException {
        Path p = dir.resolve("llama.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("llama"))
                .addTensor("token_embd.weight", GgmlType.F32, new long[] {2, 4}, TensorPayload.of(new byte[32])).write(p);
        assertMessage(fails(p), p, "unsupported architecture 'llama'", "gemma3");
    }

    @Test
    void ggufMissingTensorAndWrongShape() throws IOException {
        Path p = dir.resolve("partial.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("gemma3"))
                .put("gemma3.embedding_length", GgufValue.uint32(64))
                .put("gemma3.block_count", GgufValue.uint32(1))
                .put("gemma3.attention.head_count", GgufValue.uint32(4))
                .put("gemma3.attention.head_count_kv", GgufValue.uint32(1))
                .put("gemma3.attention.key_length", GgufValue.uint32(16))
                .put("gemma3.context_length", GgufValue.uint32(128))
                .put("gemma3.feed_forward_length", GgufValue.uint32(128))
                .addTensor("token_embd.weight", GgmlType.F32, new long[] {8, 64}, TensorPayload.of(new byte[8 * 64 * 4]))
                .addTensor("blk.0.attn_norm.weight", GgmlType.F32, new long[] {32}, TensorPayload.of(new byte[128]))
                .write(p);
        assertMessage(fails(p), p, "tensor blk.0.attn_norm.weight has shape [32], expected [64]");
    }

    @Test
    void garbageFileAndMissingPath() throws IOException {
        Path p = dir.resolve("weights.dat");
        Files.writeString(p, "hello, not a model");
        assertMessage(fails(p), p, "bad magic");
        assertMessage(fails(dir.resolve("nope.gguf")), dir.resolve("nope.gguf"), "no such file");
    }

    @Test
    void pytorchFilesAreRejected() throws IOException {
        Path bin = dir.resolve("pytorch_model.bin");
        Files.write(bin, new byte[] {(byte) 0x80, 2, 'c'});
        assertMessage(fails(bin), bin, "PyTorch");
        Path folder = dir.resolve("pt");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), "{\"architectures\": [\"Gemma3ForCausalLM\"]}");
        Files.copy(bin, folder.resolve("pytorch_model.bin"));
        assertMessage(fails(folder), folder, "PyTorch");
    }

    @Test
    void folderWithoutConfig() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertMessage(fails(empty), empty, "no config.json");
    }

    @Test
    void unknownHfArchitecture() throws IOException {
        Path hf = hfCopy("llama-hf", Long.MAX_VALUE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(hf.resolve("config.json").toFile());
        cfg.putArray("architectures").add("LlamaForCausalLM");
        json.writeValue(hf.resolve("config.json").toFile(), cfg);
        assertMessage(fails(hf), hf.resolve("config.json"), "unsupported architecture LlamaForCausalLM");
    }

    @Test
    void hfShapeMismatch() throws IOException {
        Path hf = hfCopy("mismatch", Long.MAX_VALUE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(hf.resolve("config.json").toFile());
        cfg.put("intermediate_size", 256);
        json.writeValue(hf.resolve("config.json").toFile(), cfg);
        assertMessage(fails(hf), hf, "tensor blk.0.ffn_gate.weight has shape [128, 64], expected [256, 64]");
    }

    @Test
    void missingShardAndMissingTensor() throws IOException {
        Path hf = hfCopy("sharded", 40_000);
        Path index = hf.resolve("model.safetensors.index.json");
        String original = Files.readString(index);
        Path lastShard;
        try (Stream<Path> files = Files.list(hf)) {
            lastShard = files.filter(f -> f.getFileName().toString().startsWith("model-"))
                    .max(Comparator.naturalOrder()).orElseThrow();
        }
        // a tensor pointed at a shard that does not hold it
        String firstShard = lastShard.getFileName().toString().replaceFirst("model-\\d{5}", "model-00001");
        String moved = original.replaceFirst("\"model.norm.weight\" : \"[^\"]+\"", "\"model.norm.weight\" : \"" + firstShard + "\"");
        Files.writeString(index, moved);
        assertMessage(fails(hf), hf.resolve(firstShard), "tensor model.norm.weight listed in", "absent");
        Files.writeString(index, original);
        Files.delete(lastShard);
        assertMessage(fails(hf), index, "missing shard " + lastShard.getFileName());
    }

    @Test
    void badSafetensorsHeaders() throws IOException {
        Path hf = hfCopy("bad", Long.MAX_VALUE);
        Path st = hf.resolve("model.safetensors");
        Files.write(st, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 3).array());
        assertMessage(fails(hf), st, "bad safetensors header length");
        Files.write(st, new byte[3]);
        assertMessage(fails(hf), st, "truncated");
        Files.write(st, safetensors("{\"a\": {\"dtype\": ", 0));
        assertMessage(fails(hf), st, "malformed safetensors header JSON");
        Files.write(st, safetensors("{\"model.norm.weight\": {\"dtype\": \"Q9\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8));
        assertMessage(fails(hf), st, "tensor model.norm.weight has unknown dtype Q9");
        Files.write(st, safetensors("{\"model.norm.weight\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8));
        assertMessage(fails(hf), st, "dtype I64", "cannot run");
        Files.write(st, safetensors("{\"model.norm.weight\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8));
        assertMessage(fails(hf), st, "truncated", "model.norm.weight");
        Files.write(st, safetensors("{\"model.norm.weight\": {\"dtype\": \"F32\", \"shape\": [4000000000, 4000000000, 4000000000], \"data_offsets\": [0, 16]}}", 16));
        assertMessage(fails(hf), st, "absurd shape");
        Files.write(st, safetensors("{}", 0));
        assertMessage(fails(hf), hf, "missing tensor model.embed_tokens.weight".replace("model.embed_tokens.weight", "token_embd.weight"));
    }
}
