package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code worker/reference/gemma3_preprocess.py reference} with {@code /usr/bin/python3} (Debian's python3-pil
 * and python3-numpy) on the committed images, then checks that its fresh outputs equal the committed ones byte for
 * byte (the reference cannot drift silently) and that our decoder and processor match them. Skipped, saying why,
 * where that interpreter or PIL/numpy is missing.
 */
class GemmaPreprocessLiveReferenceTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("reference/gemma3_preprocess.py");

    @Test
    void freshReferenceEqualsCommittedAndOurs(@TempDir Path out) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3 here (apt-get install python3-pil python3-numpy)");
        assumeTrue(run(List.of(PYTHON.toString(), "-c", "import PIL, numpy")) == 0,
                "/usr/bin/python3 lacks PIL or numpy (apt-get install python3-pil python3-numpy)");
        int exit = run(List.of(PYTHON.toString(), SCRIPT.toString(), "reference", ReferenceCase.IMAGES.toString(),
                out.toString()));
        assertEquals(0, exit, "gemma3_preprocess.py reference failed");

        try (Stream<Path> committed = Files.list(ReferenceCase.COMMITTED)) {
            for (Path file : committed.toList()) {
                Path fresh = out.resolve(file.getFileName());
                assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(fresh),
                        file.getFileName() + " differs from a fresh run of the reference script");
            }
        }
        ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULTS);
        for (ReferenceCase c : ReferenceCase.load(out)) {
            RgbImage decoded = decoder.decode(c.encoded(), null);
            ReferenceComparison.checkDecode(c, decoded);
            ReferenceComparison.checkProcessing(c,
                    ReferenceComparison.exactDecode(c) ? decoded : ReferenceComparison.referenceRgb(c));
        }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
