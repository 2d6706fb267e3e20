package io.gemmafleet.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * llama.cpp as an independent reference: runs {@code worker/reference/llama-greedy.mjs} (node-llama-cpp's
 * prebuilt CPU build) on a GGUF file and reads back its greedy tokens and logits.
 *
 * <p>Missing node or packages fail the calling test with the command that installs them: a reference check that
 * cannot run must not pass.
 */
public final class LlamaCppReference {

    /** What llama.cpp produced: generated ids, the first step's full logits, each step's 8 best (id, logit). */
    public record Run(int[] tokens, float[] firstLogits, List<int[]> topIds, List<float[]> topLogits) {}

    private static final Path REFERENCE_DIR = Path.of("reference").toAbsolutePath();

    private LlamaCppReference() {}

    public static Run greedy(Path gguf, int[] promptIds, int steps, int threads) throws IOException, InterruptedException {
        Path script = REFERENCE_DIR.resolve("llama-greedy.mjs");
        if (!Files.isDirectory(REFERENCE_DIR.resolve("node_modules/node-llama-cpp"))) {
            throw new IllegalStateException("llama.cpp reference not installed: run ./gemma-fleet setup");
        }
        Path out = Files.createTempFile("llama-greedy", ".json");
        try {
            String ids = Arrays.stream(promptIds).mapToObj(Integer::toString).collect(Collectors.joining(","));
            Process process = new ProcessBuilder("node", script.toString(), gguf.toString(), ids,
                    Integer.toString(steps), Integer.toString(threads), out.toString())
                    .directory(REFERENCE_DIR.toFile())
                    .redirectErrorStream(true)
                    .start();
            String log = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("llama.cpp reference failed on " + gguf + ":\n" + log);
            }
            JsonNode json = new ObjectMapper().readTree(out.toFile());
            int[] tokens = new int[json.get("tokens").size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = json.get("tokens").get(i).asInt();
            }
            JsonNode logitsNode = json.get("logits");
            float[] logits = new float[logitsNode.size()];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = logitsNode.get(i).isNull() ? Float.NaN : (float) logitsNode.get(i).asDouble();
            }
            List<int[]> topIds = new ArrayList<>();
            List<float[]> topLogits = new ArrayList<>();
            for (JsonNode step : json.get("top")) {
                int[] stepIds = new int[step.size()];
                float[] stepLogits = new float[step.size()];
                for (int i = 0; i < step.size(); i++) {
                    stepIds[i] = step.get(i).get(0).asInt();
                    stepLogits[i] = (float) step.get(i).get(1).asDouble();
                }
                topIds.add(stepIds);
                topLogits.add(stepLogits);
            }
            return new Run(tokens, logits, topIds, topLogits);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
