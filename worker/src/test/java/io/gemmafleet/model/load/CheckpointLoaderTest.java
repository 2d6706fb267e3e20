package io.gemmafleet.model.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Config.LayerKind;
import io.gemmafleet.model.io.TensorPayload;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.safetensors.SafetensorsFile;
import io.gemmafleet.model.safetensors.SafetensorsReader;
import io.gemmafleet.model.safetensors.SafetensorsWriter;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.model.tokenizer.TokenizerSource;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelTokenizer;
import io.gemmafleet.testmodel.TestModelWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLoaderTest {

    /** tiny, with a 512-row vocabulary so every test writes well under a megabyte of weights. */
    static final TestModelShape SMALL = TestModelShape.tiny().withVocabRows(512);

    @TempDir
    Path dir;

    static TestModelWriter writer(long maxShardBytes) {
        return new TestModelWriter(TestModelTokenizer.locateDefault(), maxShardBytes);
    }

    static Path write(Path out, TestModelFormat format, TestModelShape shape, TestModelDtype dtype, long seed)
            throws IOException {
        return writer(TestModelWriter.DEFAULT_MAX_SHARD_BYTES).writeModel(out, format, shape, dtype, seed).path();
    }

    /** The per-format fields set to fixed values, so the rest can be compared with equals. */
    static Gemma3Config formatIndependent(Gemma3Config c) {
        return new Gemma3Config(c.hiddenSize(), c.layerCount(), c.headCount(), c.kvHeadCount(), c.headDim(),
                c.ffnSize(), c.vocabSize(), c.contextLength(), c.slidingWindow(), c.layerKinds(), 0f,
                c.ropeBaseGlobal(), c.ropeBaseLocal(), c.ropeLinearScaleGlobal(), c.rmsNormEps(), 0f, false);
    }

    /** Asserts both checkpoints hold the same weights once GGUF's +1 norm convention is undone. */
    static void assertSameWeights(Checkpoint gguf, Checkpoint hf, float tolerance) {
        assertEquals(gguf.tensors().keySet(), hf.tensors().keySet());
        for (String name : gguf.tensors().keySet()) {
            float[] g = Dequantizer.all(gguf.tensor(name));
            float[] h = Dequantizer.all(hf.tensor(name));
            assertArrayEquals(gguf.tensor(name).shape(), hf.tensor(name).shape(), name);
            boolean norm = Gemma3Tensors.isNorm(name);
            for (int i = 0; i < g.length; i++) {
                float expected = norm ? h[i] + 1f : h[i];
                if (Math.abs(g[i] - expected) > (norm ? tolerance : 0f)) {
                    throw new AssertionError(name + "[" + i + "]: gguf " + g[i] + " vs hf " + h[i]);
                }
            }
        }
    }

    @Test
    void sameSeedGivesSameModelInGgufAndSafetensors() throws IOException {
        for (TestModelDtype dtype : List.of(TestModelDtype.F32, TestModelDtype.BF16)) {
            Path gguf = write(dir.resolve(dtype + ".gguf"), TestModelFormat.GGUF, SMALL, dtype, 11);
            Path hf = write(dir.resolve(dtype + "-hf"), TestModelFormat.SAFETENSORS, SMALL, dtype, 11);
            try (Checkpoint g = CheckpointLoader.load(gguf.toString()); Checkpoint h = CheckpointLoader.load(hf.toString())) {
                assertEquals("gguf", g.format());
                assertEquals("safetensors", h.format());
                assertSameWeights(g, h, 1e-6f);
                assertEquals(formatIndependent(g.config()), formatIndependent(h.config()));
                assertTrue(g.config().normWeightsIncludeOne());
                assertFalse(h.config().normWeightsIncludeOne());
                assertEquals(0.25f, g.config().attentionScale()); // 1/sqrt(16)
                assertEquals(0.25f, h.config().attentionScale()); // 16^-0.5
                assertEquals(8f, g.config().embeddingScale());
                assertEquals(8f, h.config().embeddingScale());
                assertEquals(512, g.config().vocabSize());
                assertEquals(Gemma3Config.layerKindsFromPattern(8, 6), g.config().layerKinds());
                assertEquals(LayerKind.GLOBAL, g.config().layerKinds().get(5));
                TokenizerSource.GgufVocabulary vocab = assertInstanceOf(TokenizerSource.GgufVocabulary.class, g.tokenizer());
                assertEquals(512, vocab.tokens().size());
                assertEquals("<bos>", vocab.tokens().get(2));
                assertEquals(3, vocab.tokenTypes()[2]);
                assertEquals(2, vocab.bosId());
                TokenizerSource.HuggingFaceFile file = assertInstanceOf(TokenizerSource.HuggingFaceFile.class, h.tokenizer());
                assertTrue(Files.isRegularFile(file.tokenizerJson()));
            }
        }
        // and a different seed gives different weights
        Path other = write(dir.resolve("other.gguf"), TestModelFormat.GGUF, SMALL, TestModelDtype.F32, 12);
        try (Checkpoint a = CheckpointLoader.load(dir.resolve("F32.gguf").toString());
             Checkpoint b = CheckpointLoader.load(other.toString())) {
            assertNotEquals(Dequantizer.all(a.tensor("blk.0.attn_q.weight"))[0],
                    Dequantizer.all(b.tensor("blk.0.attn_q.weight"))[0]);
        }
    }

    @Test
    void customShapeNormalisesIdenticallyInBothFormats() throws IOException {
        // 62 layers (llama.cpp's 27B attention-scale rule), 2 kv heads, linear RoPE, non-default local base and
        // pattern, ConditionalGeneration-style Hugging Face form
        TestModelShape shape = new TestModelShape("custom", 64, 62, 4, 2, 8, 64, 8, 3, 500_000, 20_000, 8, 2048, 256, true);
        Path gguf = write(dir.resolve("c.gguf"), TestModelFormat.GGUF, shape, TestModelDtype.F32, 3);
        Path hf = write(dir.resolve("c-hf"), TestModelFormat.SAFETENSORS, shape, TestModelDtype.F32, 3);
        try (Checkpoint g = CheckpointLoader.load(gguf.toString()); Checkpoint h = CheckpointLoader.load(hf.toString())) {
            assertSameWeights(g, h, 2e-6f);
            assertEquals(formatIndependent(g.config()), formatIndependent(h.config()));
            Gemma3Config c = g.config();
            assertEquals(2, c.kvHeadCount());
            assertEquals(8, c.headDim());
            assertEquals(8.0, c.ropeLinearScaleGlobal());
            assertEquals(20_000.0, c.ropeBaseLocal());
            assertEquals(500_000.0, c.ropeBaseGlobal());
            assertEquals(Gemma3Config.layerKindsFromPattern(62, 3), c.layerKinds());
            float scale = (float) (1 / Math.sqrt(16)); // hidden/heads, not head_dim
            assertEquals(scale, g.config().attentionScale());
            assertEquals(scale, h.config().attentionScale());
        }
    }

    @Test
    void namedShapeConfigsMatchThePublishedOnes() throws IOException {
        // only config.json matters here: a 4B-like config omits most text fields, which must come from defaults
        Path hf = dir.resolve("4b");
        Files.createDirectories(hf);
        Path cfg = hf.resolve("config.json");
        Files.writeString(cfg, """
                {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
                 "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                   "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024},
                 "torch_dtype": "bfloat16"}""");
        Gemma3Config c = HfConfigReader.read(cfg).config();
        TestModelShape s = TestModelShape.gemma4b();
        assertEquals(List.of(s.hidden(), s.layers(), s.heads(), s.kvHeads(), s.headDim(), s.ffn(), s.vocabRows(),
                        s.contextLength(), s.slidingWindow()),
                List.of(c.hiddenSize(), c.layerCount(), c.headCount(), c.kvHeadCount(), c.headDim(), c.ffnSize(),
                        c.vocabSize(), c.contextLength(), c.slidingWindow()));
        assertEquals(8.0, c.ropeLinearScaleGlobal());
        assertEquals(1_000_000.0, c.ropeBaseGlobal());
        assertEquals(10_000.0, c.ropeBaseLocal());
        assertEquals(0.0625f, c.attentionScale());
        assertEquals(50.5f, c.embeddingScale()); // sqrt(2560) = 50.596 rounded to bf16
    }

    @Test
    void shardedFolderLoads() throws IOException {
        Path hf = writer(40_000).writeModel(dir.resolve("sharded"), TestModelFormat.SAFETENSORS, SMALL,
                TestModelDtype.F32, 4).path();
        assertTrue(Files.isRegularFile(hf.resolve("model.safetensors.index.json")));
        assertFalse(Files.exists(hf.resolve("model.safetensors")));
        try (var files = Files.list(hf)) {
            assertTrue(files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count() > 2);
        }
        Path gguf = write(dir.resolve("s.gguf"), TestModelFormat.GGUF, SMALL, TestModelDtype.F32, 4);
        try (Checkpoint h = CheckpointLoader.load(hf.toString()); Checkpoint g = CheckpointLoader.load(gguf.toString())) {
            assertSameWeights(g, h, 1e-6f);
        }
    }

    @Test
    void conditionalGenerationLoadsWithEitherPrefix() throws IOException {
        TestModelShape cg = SMALL.withConditionalGeneration(true);
        Path original = write(dir.resolve("cg"), TestModelFormat.SAFETENSORS, cg, TestModelDtype.F32, 9);
        assertTrue(Files.readString(original.resolve("config.json")).contains("text_config"));
        // re-spell the tensors as newer transformers save them, and add a vision tensor to be ignored
        Path renamed = dir.resolve("cg2");
        Files.createDirectories(renamed);
        Files.copy(original.resolve("config.json"), renamed.resolve("config.json"));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsReader.read(original.resolve("model.safetensors"), arena);
            SafetensorsWriter w = new SafetensorsWriter();
            for (TensorData t : f.tensors().values()) {
                assertTrue(t.name().startsWith("language_model.model."), t.name());
                w.addTensor("model.language_model." + t.name().substring("language_model.model.".length()),
                        t.type(), t.shape(), TensorPayload.of(t.data()));
            }
            w.addTensor("model.vision_tower.vision_model.post_layernorm.weight", io.gemmafleet.model.tensor.GgmlType.F32,
                    new long[] {4}, TensorPayload.of(new byte[16]));
            w.write(renamed.resolve("model.safetensors"));
        }
        try (Checkpoint a = CheckpointLoader.load(original.toString()); Checkpoint b = CheckpointLoader.load(renamed.toString())) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(Dequantizer.all(a.tensor(name)), Dequantizer.all(b.tensor(name)), name);
            }
            assertEquals(a.config(), b.config());
            assertEquals(null, b.tokenizer()); // no tokenizer.json copied into the re-spelled folder
        }
    }

    @Test
    void ollamaReferencesResolveInAnInjectedStore() throws IOException {
        Path gguf = write(dir.resolve("o.gguf"), TestModelFormat.GGUF, SMALL, TestModelDtype.Q8_0, 1);
        Path store = dir.resolve("ollama");
        String hex = "ab".repeat(32);
        Files.createDirectories(store.resolve("blobs"));
        Files.copy(gguf, store.resolve("blobs/sha256-" + hex));
        String manifest = """
                {"schemaVersion": 2, "layers": [
                  {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:%s", "size": 1},
                  {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:%s", "size": 2}]}"""
                .formatted("cd".repeat(32), hex);
        for (String p : List.of("registry.ollama.ai/library/tiny/latest", "registry.ollama.ai/library/tiny/q8",
                "registry.ollama.ai/someone/tiny/latest", "example.com/team/tiny/v1")) {
            Path m = store.resolve("manifests").resolve(p);
            Files.createDirectories(m.getParent());
            Files.writeString(m, manifest);
        }
        OllamaStore ollama = new OllamaStore(store);
        for (String ref : List.of("ollama:tiny", "ollama:tiny:latest", "ollama:tiny:q8", "ollama:someone/tiny",
                "ollama:example.com/team/tiny:v1")) {
            try (Checkpoint c = CheckpointLoader.load(ref, ollama)) {
                assertEquals("gguf", c.format(), ref);
                assertEquals(store.resolve("blobs/sha256-" + hex), c.source());
            }
        }
        Map<String, String> failures = Map.of(
                "ollama:nothere", "no Ollama manifest for nothere:latest",
                "ollama:tiny:v9", "no Ollama manifest for tiny:v9",
                "ollama:../../etc", "malformed ollama reference");
        failures.forEach((ref, expected) -> {
            String m = LoadFailures.message(() -> CheckpointLoader.load(ref, ollama));
            assertTrue(m.contains(expected), m);
        });
    }
}
