package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.testmodel.TestImages;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelWriter.WrittenModel;
import io.gemmafleet.testmodel.TinyModels;
import io.gemmafleet.testmodel.VisionTestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gemma-fleet generate --image}: a picture before the prompt text, on a model with a vision tower. */
class GenerateImageCommandTest {

    @TempDir
    static Path dir;

    private static WrittenModel multimodal;
    private static GemmaTokenizer tokenizer;

    @BeforeAll
    static void writeModels() {
        multimodal = VisionTestModels.writeGguf(dir, "mm", TestModelDtype.F32, TestMmprojDtype.F32);
        try (Checkpoint checkpoint = CheckpointLoader.load(multimodal.path().toString())) {
            tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
        }
    }

    private static Path file(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void anImageGoesBeforeThePromptTextWithItsSoftTokens() throws Exception {
        Path png = file("cat.png", TestImages.png(60, 40, 1));
        CliRun o = CliRun.of("generate", "--model", multimodal.path().toString(), "--threads", "2",
                "--mmproj", multimodal.mmproj().toString(), "--image", png.toString(), "--prompt", "What is this?",
                "--max-tokens", "3", "--temperature", "0", "--json");
        assertEquals(0, o.exitCode(), o.err());
        String text = "<bos><start_of_turn>user\n\n\n<start_of_image><end_of_image>\n\nWhat is this?<end_of_turn>\n"
                + "<start_of_turn>model\n";
        assertEquals(tokenizer.encode(text, false).length + 256, o.json().get("prompt_tokens").asInt(), o.out());
        assertEquals(3, o.json().get("completion_tokens").asInt(), o.out());
    }

    @Test
    void aModelWithoutVisionOrABadImageIsAOneLineError() throws Exception {
        Path png = file("ok.png", TestImages.png(20, 20, 2));
        CliRun textOnly = CliRun.of("generate", "--model", TinyModels.writeGguf(dir.resolve("text")).toString(),
                "--image", png.toString(), "--prompt", "hi", "--max-tokens", "1");
        assertEquals(2, textOnly.exitCode(), textOnly.err());
        assertTrue(textOnly.err().contains("needs a model with a vision tower"), textOnly.err());

        byte[] good = TestImages.png(20, 20, 3);
        Path cut = file("cut.png", Arrays.copyOf(good, good.length / 2));
        CliRun truncated = CliRun.of("generate", "--model", multimodal.path().toString(), "--image", cut.toString(),
                "--prompt", "hi", "--max-tokens", "1");
        assertEquals(2, truncated.exitCode(), truncated.err());
        assertTrue(truncated.err().toLowerCase().contains("truncated"), truncated.err());
    }
}
