package io.gemmafleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp's multimodal path as the image benchmark's peer: runs {@code worker/reference/llama-mm-bench.mjs}
 * ({@code @fugood/llama.node}'s prebuilt CPU binary) on the same model, mmproj and image, and reads its timings.
 */
final class LlamaImagePeer {

    static final String SCRIPT = "llama-mm-bench.mjs";

    /** One run: wall times of the job with and without the image, and mtmd's own encode and image-prefill times. */
    record Run(double imageWallMs, double textWallMs, double encodeMs, double imagePrefillMs) {}

    /** The runs, and the llama.cpp build that produced them. */
    record Result(String build, List<Run> runs) {}

    private LlamaImagePeer() {}

    /**
     * The folder holding the script and its node_modules: {@code worker/reference} in the working directory or any
     * folder above it; null when absent.
     */
    static Path locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("worker").resolve("reference");
            if (Files.isRegularFile(candidate.resolve(SCRIPT))
                    && Files.isDirectory(candidate.resolve("node_modules/@fugood/llama.node"))) {
                return candidate;
            }
        }
        return null;
    }

    static Result run(Path referenceDir, Path model, Path mmproj, Path image, int threads, int warmup, int runs)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("llama-mm-bench", ".json");
        try {
            Process p = new ProcessBuilder("node", SCRIPT, model.toAbsolutePath().toString(),
                    mmproj.toAbsolutePath().toString(), image.toAbsolutePath().toString(), String.valueOf(threads),
                    String.valueOf(warmup), String.valueOf(runs), out.toString())
                    .directory(referenceDir.toFile()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
                throw new IOException("llama.cpp's image benchmark failed: " + log.strip());
            }
            JsonNode json = new ObjectMapper().readTree(out.toFile());
            List<Run> list = new ArrayList<>();
            for (JsonNode r : json.get("runs")) {
                list.add(new Run(r.get("image_wall_ms").asDouble(), r.get("text_wall_ms").asDouble(),
                        r.get("encode_ms").asDouble(), r.get("image_prefill_ms").asDouble()));
            }
            JsonNode build = json.get("build");
            return new Result(build.get("number").asText() + " (" + build.get("commit").asText() + ")", list);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
