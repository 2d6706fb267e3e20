package io.gemmafleet.worker.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prompt of a job with images gets Gemma3Processor's image sequence, placeholders and all. */
class ImagePromptTest {

    @TempDir
    static Path dir;

    private static GemmaTokenizer tokenizer;

    @BeforeAll
    static void load() {
        try (Checkpoint c = CheckpointLoader.load(TinyModels.writeGguf(dir).toString())) {
            tokenizer = GemmaTokenizer.load(c.tokenizer());
        }
    }

    @Test
    void eachImageBecomesTheProcessorsSequenceWithItsSoftTokens() {
        ImagePrompt prompt = new ImagePrompt(tokenizer, 4);
        ImagePrompt.Expanded e = prompt.expand("Compare <start_of_image> with<start_of_image>please", true);

        int boi = tokenizer.encode("<start_of_image>", false)[0];
        int eoi = tokenizer.encode("<end_of_image>", false)[0];
        assertEquals(255_999, boi);
        assertEquals(256_000, eoi);
        assertEquals(2, e.imageStarts().length);
        for (int start : e.imageStarts()) {
            assertEquals(boi, e.ids()[start - 1]);
            assertArrayEquals(new int[] {262_144, 262_144, 262_144, 262_144},
                    Arrays.copyOfRange(e.ids(), start, start + 4));
            assertEquals(eoi, e.ids()[start + 4]);
        }
        // Without the placeholders, the ids are the tokenizer's for the processor's expanded text.
        int[] expectedText = tokenizer.encode("Compare \n\n<start_of_image><end_of_image>\n\n with"
                + "\n\n<start_of_image><end_of_image>\n\nplease", true);
        int[] withoutSoft = Arrays.stream(e.ids()).filter(id -> id != ImagePrompt.SOFT_TOKEN_ID).toArray();
        assertArrayEquals(expectedText, withoutSoft);
        assertEquals(expectedText.length + 8, e.ids().length);
    }

    @Test
    void textWithoutImagesIsTokenizedAsItIs() {
        ImagePrompt prompt = new ImagePrompt(tokenizer, 256);
        ImagePrompt.Expanded e = prompt.expand("just words", true);
        assertArrayEquals(tokenizer.encode("just words", true), e.ids());
        assertEquals(0, e.imageStarts().length);
    }
}
