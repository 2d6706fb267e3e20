package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.gguf.GgufFile;
import io.gemmafleet.model.gguf.GgufReader;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tokenizer.TokenizerSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MakeTestModelCommandTest {

    @TempDir
    Path dir;

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new MakeTestModelCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void writesTinyQ4GgufLaidOutLikeLlamaCpp() {
        Path out = dir.resolve("tiny.gguf");
        StringWriter stdout = new StringWriter();
        assertEquals(0, run(stdout, new StringWriter(), "--out", out.toString(), "--format", "gguf", "--shape", "tiny",
                "--dtype", "q4_0", "--seed", "5"));
        assertTrue(stdout.toString().contains("RANDOM-WEIGHT"), stdout.toString());
        assertTrue(stdout.toString().contains("17,058,112 parameters"), stdout.toString());
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufReader.read(out, arena);
            assertEquals(2, g.getInt("general.file_type"));
            assertEquals(GgmlType.Q4_0, g.tensors().get("token_embd.weight").type());
            assertEquals(GgmlType.Q4_0, g.tensors().get("blk.7.ffn_down.weight").type());
            assertEquals(GgmlType.F32, g.tensors().get("blk.0.attn_q_norm.weight").type());
            assertTrue(g.getString("tokenizer.chat_template").contains("start_of_turn"));
            assertTrue(g.getBoolean("tokenizer.ggml.add_bos_token", false));
            assertEquals(false, g.getBoolean("tokenizer.ggml.add_eos_token", true));
        }
        try (Checkpoint c = CheckpointLoader.load(out.toString())) {
            assertEquals(262144, c.config().vocabSize());
            var vocab = assertInstanceOf(TokenizerSource.GgufVocabulary.class, c.tokenizer());
            assertEquals(262144, vocab.tokens().size());
            int byteId = vocab.tokens().indexOf("<0x41>");
            assertEquals(6, vocab.tokenTypes()[byteId]);
            assertEquals(3, vocab.tokenTypes()[106]);          // <end_of_turn>: control
            assertEquals("<end_of_turn>", vocab.tokens().get(106));
            assertEquals(2, vocab.tokenTypes()[3]);            // <unk>
            assertEquals(1, vocab.tokenTypes()[9259]);         // "Hello": normal
            assertEquals(1, vocab.eosId());
        }
    }

    @Test
    void rejectsQuantizedSafetensorsAndUnknownShape() {
        StringWriter err = new StringWriter();
        assertNotEquals(0, run(new StringWriter(), err, "--out", dir.resolve("x").toString(), "--format",
                "safetensors", "--dtype", "q8_0"));
        assertTrue(err.toString().contains("needs --format gguf"), err.toString());
        err = new StringWriter();
        assertNotEquals(0, run(new StringWriter(), err, "--out", dir.resolve("y").toString(), "--shape", "huge"));
        assertTrue(err.toString().contains("unknown shape 'huge'"), err.toString());
    }

    @Test
    void aKQuantOnRowsOf64IsAOneLineErrorAndTheMixFallsBack() {
        Path file = dir.resolve("tiny-q4k.gguf");
        assertEquals(1, WorkerCli.run("make-test-model", "--out", file.toString(), "--dtype", "q4_k"));
        assertTrue(!Files.exists(file));
        Path mix = dir.resolve("tiny-q4km.gguf");
        assertEquals(0, WorkerCli.run("make-test-model", "--out", mix.toString(), "--dtype", "q4_k_m"));
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufReader.read(mix, arena);
            assertEquals(15, g.getInt("general.file_type")); // LLAMA_FTYPE_MOSTLY_Q4_K_M
            assertEquals(GgmlType.Q8_0, g.tensors().get("token_embd.weight").type());
            assertEquals(GgmlType.Q5_0, g.tensors().get("blk.1.attn_q.weight").type());
        }
    }

    @Test
    void visionFlagWritesAnMmprojBesideTheGgufInTheConvertersLayout() {
        Path out = dir.resolve("mm.gguf");
        StringWriter stdout = new StringWriter();
        assertEquals(0, run(stdout, new StringWriter(), "--out", out.toString(), "--dtype", "q8_0", "--vision"));
        Path mmproj = dir.resolve("mmproj-mm.gguf");
        assertTrue(stdout.toString().contains(mmproj.toAbsolutePath().toString()), stdout.toString());
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufReader.read(mmproj, arena);
            assertEquals("clip", g.getString("general.architecture"));
            assertEquals("gemma3", g.getString("clip.projector_type"));
            assertEquals(448, g.getInt("clip.vision.image_size"));
            assertEquals(2, g.getInt("clip.vision.projector.scale_factor"));
            assertEquals(64, g.getInt("clip.vision.projection_dim"));
            assertEquals(1, g.getInt("general.file_type")); // f16 beside a quantized model
            assertEquals(GgmlType.F16, g.tensors().get("v.blk.0.ffn_up.weight").type());
        }
        try (Checkpoint c = CheckpointLoader.load(out.toString())) {
            assertEquals(262208, c.config().vocabSize());
        }
        assertNotEquals(0, run(new StringWriter(), new StringWriter(), "--out", out.toString(), "--vision=huge"));
    }
}
