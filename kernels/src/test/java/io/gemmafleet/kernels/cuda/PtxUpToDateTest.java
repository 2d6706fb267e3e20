package io.gemmafleet.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gemmafleet.kernels.ops.KernelLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * What the jar ships is what the sources compile to: each .cu in src/main/cuda is compiled with nvcc exactly as
 * build-ptx.sh does and compared with the PTX in src/main/resources. Skipped, saying so, where nvcc is absent.
 */
class PtxUpToDateTest {

    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path SHIPPED = Path.of("src/main/resources/io/gemmafleet/kernels/ptx");

    @Test
    void everyKernelFamilyIsShippedAndListed() throws IOException {
        List<String> families = new ArrayList<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted()
                    .forEach(n -> families.add(n.substring(0, n.length() - 3)));
        }
        assertEquals(families, KernelLibrary.MODULES.stream().sorted().toList(),
                "KernelLibrary.MODULES must list every .cu file");
        for (String f : families) {
            assertEquals(true, Files.exists(SHIPPED.resolve(f + ".ptx")), f + ".ptx is not shipped: run build-ptx.sh");
        }
    }

    @TestFactory
    List<DynamicTest> shippedPtxMatchesTheSources() {
        String nvcc = System.getenv().getOrDefault("NVCC", "nvcc");
        assumeTrue(runs(nvcc), "nvcc is not on this machine: the shipped PTX cannot be rebuilt to compare");
        List<DynamicTest> tests = new ArrayList<>();
        for (String module : KernelLibrary.MODULES) {
            tests.add(DynamicTest.dynamicTest(module, () -> {
                Path out = Files.createTempFile(module, ".ptx");
                try {
                    Process p = new ProcessBuilder(nvcc, "-ptx", "-arch=compute_80", "-O3", "-o", out.toString(),
                            SOURCES.resolve(module + ".cu").toString()).redirectErrorStream(true).start();
                    String log = new String(p.getInputStream().readAllBytes());
                    assertEquals(0, p.waitFor(), "nvcc failed: " + log);
                    assertEquals(Files.readString(SHIPPED.resolve(module + ".ptx")), Files.readString(out),
                            module + ".ptx is stale: run kernels/build-ptx.sh and commit the result");
                } finally {
                    Files.deleteIfExists(out);
                }
            }));
        }
        return tests;
    }

    private static boolean runs(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
