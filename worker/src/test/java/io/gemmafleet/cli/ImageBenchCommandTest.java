package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gemma-fleet image-bench} through {@link WorkerCli#run} on a tiny random-weight tower of one layer: the
 * sections and rows of its table are there and hold numbers (no timing is asserted). llama.cpp's rows appear when
 * its reference package is installed; otherwise the output says it was skipped.
 */
class ImageBenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsEncodeAndLatencySections() {
        CliRun o = CliRun.of("image-bench", "--models-dir", dir.toString(), "--text-shape", "tiny", "--text-dtype",
                "f32", "--vision-shape", "tiny", "--vision-layers", "1", "--batch", "1,2", "--warmup", "0",
                "--runs", "1", "--threads", "2");
        assertEquals(0, o.exitCode(), o.err());
        List<String> lines = o.out().lines().toList();
        boolean peer = LlamaImagePeer.locate() != null;

        int encode = header(lines, "engine\tbatch\timages_s");
        List<String> ours = rowsAfter(lines, encode);
        assertEquals(peer ? 3 : 2, ours.size(), o.out());
        assertTrue(ours.get(0).startsWith("gemma-fleet\t1\t"), ours.get(0));
        assertTrue(ours.get(1).startsWith("gemma-fleet\t2\t"), ours.get(1));
        for (String row : ours) {
            double imagesPerSecond = Double.parseDouble(row.split("\t")[2]);
            assertTrue(imagesPerSecond > 0 && Double.isFinite(imagesPerSecond), row);
        }

        int latency = header(lines, "part\tgemma-fleet_ms\tllama_cpp_ms\tratio");
        List<String> parts = rowsAfter(lines, latency).stream().map(r -> r.split("\t")[0]).toList();
        assertEquals(List.of("decode + pre-process (+ tokenize)", "encode", "prefill of the image's tokens",
                "total added to the first token", "first token without the image"), parts);
        String encodeRow = rowsAfter(lines, latency).get(1);
        assertTrue(Double.parseDouble(encodeRow.split("\t")[1]) > 0, encodeRow);
        if (peer) {
            assertTrue(ours.get(2).startsWith("llama.cpp\t1\t"), ours.get(2));
            assertTrue(!encodeRow.split("\t")[2].equals("—"), "llama.cpp's encode time: " + encodeRow);
        } else {
            assertTrue(o.out().contains("# llama.cpp: skipped"), o.out());
        }
    }

    private static int header(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting with " + prefix.replace("\t", "\\t") + " in\n"
                + String.join("\n", lines));
    }

    /** The table rows after a header, up to the next comment line or the end. */
    private static List<String> rowsAfter(List<String> lines, int header) {
        return lines.subList(header + 1, lines.size()).stream().takeWhile(l -> !l.startsWith("#")).toList();
    }
}
