package io.gemmafleet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The top command mounts every subcommand and keeps the one-line {@code error: ...}, exit 1 contract (and one-line
 * usage errors, exit 2, for an unusable {@code --backend}).
 */
class MainTest {

    @TempDir
    Path dir;

    private static String[] run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsEveryCommand() {
        String[] r = run("--help");
        assertEquals("0", r[0]);
        for (String c : new String[] {"dev", "generate", "make-test-model", "bench", "engine-bench", "worker", "gateway"}) {
            assertTrue(r[1].contains(c), c + " missing from: " + r[1]);
        }
    }

    @Test
    void badApiKeyFileIsOneLineErrorWithoutEchoingTheKey() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys"), "alice:this-is-a-raw-key-not-a-hash\n");
        String[] r = run("gateway", "--bootstrap", "localhost:1", "--api-keys", keys.toString());
        assertEquals("1", r[0]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].startsWith("error: API key entry 1 is not NAME:SHA256HEX"), r[2]);
        assertTrue(!r[2].contains("this-is-a-raw-key"), "the entry was echoed");
        assertEquals("1", run("generate", "--model", dir.resolve("missing.gguf").toString())[0]);
    }

    @Test
    void devRejectsABadBackendInOneLineBeforeStartingAnything() {
        String[] r = run("dev", "--backend", "nope", "--port", "0");
        assertEquals("2", r[0], r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].startsWith("Invalid value for option '--backend': unknown backend 'nope'"), r[2]);
        assertTrue(r[2].contains("cpu"), r[2]);
        assertTrue(r[1].isBlank(), "no banner: " + r[1]);
    }
}
