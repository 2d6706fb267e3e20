package io.gemmafleet.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.cpu.vision.CpuVisionEncoder;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.Generator;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.media.GemmaImageProcessor;
import io.gemmafleet.media.ImageDecoder;
import io.gemmafleet.media.ImageLimits;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.vision.VisionCheckpoints;
import io.gemmafleet.model.vision.VisionEncoder;
import io.gemmafleet.model.vision.VisionWeights;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelWriter.WrittenModel;
import io.gemmafleet.testmodel.TinyModels;
import io.gemmafleet.testmodel.VisionTestModels;
import io.gemmafleet.worker.vision.ImagePrompt;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prompt with an image, end to end on our side — PNG decoded and pre-processed ({@code io.gemmafleet.media}),
 * SigLIP tower and projector ({@link CpuVisionEncoder}), soft tokens spliced into the prompt and attended to
 * bidirectionally by the engine — against llama.cpp's multimodal path (mtmd + clip, through
 * {@code worker/reference/llama-mm-greedy.mjs}) on the same random-weight GGUF + mmproj and the same PNG: the greedy
 * tokens must be the same.
 *
 * <p>The PNG is exactly the tower's image size, so neither side resizes (llama.cpp's resize is not PIL's; ours is
 * checked against PIL separately). The prompt is the chat template's, with the image as Hugging Face's processor
 * places it: {@code "\n\n<start_of_image>"}, 256 soft tokens, {@code "<end_of_image>\n\n"} — llama.cpp adds no
 * newlines itself, so they are given as ids around the image.
 *
 * <p>The test can fail: with attention made causal inside the image (a deliberate break of the executor, tried on
 * 2026-11-27), the F32 case's tokens differ from llama.cpp's; the F16 case happened to keep its tokens.
 *
 * <p>llama.cpp reports generated tokens as text; the script recovers ids by round trip and writes null where that
 * fails: such positions are compared by text instead.
 */
class ImageParityTest {

    private static final Path REFERENCE_DIR = Path.of("reference").toAbsolutePath();
    private static final int STEPS = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "mmproj {0}, image seed {1}")
    @CsvSource({"F32, 9", "F16, 10"})
    void greedyTokensAfterAnImageMatchLlamaCpp(TestMmprojDtype mmprojType, long imageSeed) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(REFERENCE_DIR.resolve("node_modules/@fugood/llama.node")),
                "@fugood/llama.node is not installed: run ./gemma-fleet setup (npm install in worker/reference)");
        WrittenModel model = VisionTestModels.writeGguf(dir, "mm", TestModelDtype.F32, mmprojType);
        try (Checkpoint checkpoint = CheckpointLoader.load(model.path().toString());
             VisionWeights weights = VisionCheckpoints.loadMmproj(model.mmproj());
             VisionEncoder encoder = CpuVisionEncoder.create(weights, 2)) {
            GemmaTokenizer tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
            int size = encoder.config().imageSize();
            Path png = writePng(dir.resolve("image.png"), VisionTestModels.rgbBytes(size, imageSeed), size);

            // <bos><start_of_turn>user\nDescribe\n\n [image] \n\nthis<end_of_turn>\n<start_of_turn>model\n
            String rendered = "<bos><start_of_turn>user\nDescribe<start_of_image>this<end_of_turn>\n"
                    + "<start_of_turn>model\n";
            ImagePrompt.Expanded prompt = new ImagePrompt(tokenizer, encoder.config().tokensPerImage())
                    .expand(rendered, false);
            int start = prompt.imageStarts()[0];
            int[] prefix = Arrays.copyOfRange(prompt.ids(), 0, start - 1); // up to <start_of_image>
            int[] suffix = Arrays.copyOfRange(prompt.ids(), start + encoder.config().tokensPerImage() + 1,
                    prompt.ids().length); // after <end_of_image>

            Reference reference = llamaCpp(model, png, prefix, suffix);
            assertEquals(start, reference.imageStart(), "llama.cpp puts the image where we do");

            float[] pixels = new GemmaImageProcessor(size).process(
                    new ImageDecoder(ImageLimits.DEFAULTS).decode(Files.readAllBytes(png), "image/png")).chw();
            float[] embeddings = encoder.encode(List.of(pixels))[0];
            int[] ours = ours(checkpoint, tokenizer, prompt.ids(),
                    new ImageSpan(start, encoder.config().tokensPerImage(), embeddings, "png"));

            int compared = 0;
            for (int i = 0; i < STEPS; i++) {
                if (reference.ids()[i] != null) {
                    assertEquals(reference.ids()[i].intValue(), ours[i], "token " + i + " differs: llama.cpp "
                            + Arrays.toString(reference.ids()) + ", ours " + Arrays.toString(ours));
                    compared++;
                } else {
                    assertEquals(reference.pieces()[i], tokenizer.decode(new int[] {ours[i]}), "token " + i);
                }
            }
            assertTrue(compared >= STEPS / 2, "only " + compared + " of " + STEPS + " ids came back from llama.cpp");
            System.out.printf("image parity (mmproj %s): %d greedy tokens after a %d px image equal llama.cpp's%n",
                    mmprojType, STEPS, size);

            // The image matters: the same prompt with another image gives other tokens (guards against both sides
            // ignoring it, e.g. a tower whose output is drowned by the text).
            float[] other = encoder.encode(List.of(new GemmaImageProcessor(size).process(new ImageDecoder(
                    ImageLimits.DEFAULTS).decode(Files.readAllBytes(writePng(dir.resolve("other.png"),
                    VisionTestModels.rgbBytes(size, imageSeed + 100), size)), "image/png")).chw()))[0];
            int[] withOther = ours(checkpoint, tokenizer, prompt.ids(),
                    new ImageSpan(start, encoder.config().tokensPerImage(), other, "other"));
            assertTrue(!Arrays.equals(ours, withOther), "another image should change the greedy tokens");
        }
    }

    /** Greedy decoding through the engine (small prefill chunks: the image must still be fed whole). */
    private static int[] ours(Checkpoint checkpoint, GemmaTokenizer tokenizer, int[] prompt, ImageSpan image) {
        try (ModelExecutor executor = TinyModels.cpuExecutor(checkpoint, prompt.length + STEPS + 16)) {
            Generator generator = new Generator(executor, tokenizer, 32, System::nanoTime);
            GenerationRequest request = new GenerationRequest(1, prompt, SamplingParams.greedy(STEPS), true, 0,
                    GenerationRequest.NO_DEADLINE, List.of(image));
            return generator.generate(request, TextListener.NONE).tokenIds();
        }
    }

    private record Reference(Integer[] ids, String[] pieces, int imageStart) {}

    private Reference llamaCpp(WrittenModel model, Path png, int[] prefix, int[] suffix) throws Exception {
        Path out = dir.resolve("llama.json");
        Process p = new ProcessBuilder("node", REFERENCE_DIR.resolve("llama-mm-greedy.mjs").toString(),
                model.path().toString(), model.mmproj().toString(), png.toString(), join(prefix), join(suffix),
                Integer.toString(STEPS), "2", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "llama.cpp did not finish");
        assertEquals(0, p.exitValue(), () -> "llama.cpp failed:\n" + log.lines()
                .skip(Math.max(0, log.lines().count() - 20)).reduce("", (a, b) -> a + "\n" + b));
        JsonNode r = JSON.readTree(out.toFile());
        Integer[] ids = new Integer[STEPS];
        String[] pieces = new String[STEPS];
        for (int i = 0; i < STEPS; i++) {
            JsonNode id = r.get("tokens").get(i);
            ids[i] = id == null || id.isNull() ? null : id.asInt();
            pieces[i] = r.get("pieces").get(i).asText();
        }
        return new Reference(ids, pieces, r.get("fed").get("image_positions").get(0).asInt());
    }

    private static String join(int[] ids) {
        return String.join(",", IntStream.of(ids).mapToObj(Integer::toString).toList());
    }

    private static Path writePng(Path file, byte[] rgb, int size) throws Exception {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < size * size; i++) {
            image.setRGB(i % size, i / size,
                    (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF));
        }
        assertTrue(ImageIO.write(image, "png", file.toFile()));
        return file;
    }
}
