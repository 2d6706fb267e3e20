package io.gemmafleet.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelWriter.WrittenModel;
import io.gemmafleet.testmodel.VisionTestModels;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code worker/reference/llama-mm-greedy.mjs} runs llama.cpp's multimodal path on our test model: it loads the
 * mmproj we write, takes the image at exactly image_size (no resize), and generates tokens after the image.
 */
class LlamaMultimodalReferenceTest {

    private static final Path REFERENCE_DIR = Path.of("reference").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void llamaCppLoadsOurMmprojAndGeneratesAfterTheImage() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(REFERENCE_DIR.resolve("node_modules/@fugood/llama.node")),
                "@fugood/llama.node is not installed: run npm install in worker/reference");
        WrittenModel model = VisionTestModels.writeGguf(dir, "mm", TestModelDtype.F32, TestMmprojDtype.F32);
        int size = 448;
        Path png = dir.resolve("image.png");
        byte[] rgb = VisionTestModels.rgbBytes(size, 9);
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < size * size; i++) {
            image.setRGB(i % size, i / size, (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF));
        }
        assertTrue(ImageIO.write(image, "png", png.toFile()));
        Path out = dir.resolve("out.json");
        // <bos><start_of_turn>user\nDescribe\n\n [image] \n\nthis<end_of_turn>\n<start_of_turn>model\n
        Process p = new ProcessBuilder("node", REFERENCE_DIR.resolve("llama-mm-greedy.mjs").toString(),
                model.path().toString(), model.mmproj().toString(), png.toString(), "2,105,2364,107,82858,108",
                "108,1580,106,107,105,4368,107", "4", "2", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log.lines().skip(Math.max(0, log.lines().count() - 20)).reduce("", (a, b) -> a + "\n" + b));
        JsonNode r = new ObjectMapper().readTree(out.toFile());
        assertEquals(4, r.get("tokens").size());
        assertEquals(4, r.get("pieces").size());
        // prompt = 6 prefix ids + <start_of_image> + 256 image positions + <end_of_image> + 7 suffix ids
        assertEquals(7, r.get("fed").get("image_positions").get(0).asInt());
        assertEquals(262, r.get("fed").get("image_positions").get(1).asInt());
        assertEquals(6 + 1 + 256 + 1 + 7 + 4, r.get("fed").get("tokens_evaluated").asInt());
        assertTrue(log.contains("load_hparams: n_merge:            2"), "llama.cpp read our pooling factor");
    }
}
