package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntSupplier;

/** What one command run printed and returned, captured from {@code System.out} and {@code System.err}. */
record CliRun(int exitCode, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs the worker's commands ({@link WorkerCli}) with these arguments. */
    static CliRun of(String... args) {
        return capture(() -> WorkerCli.run(args));
    }

    /** Runs {@code command} with standard output and error captured; restores both afterwards. */
    static CliRun capture(IntSupplier command) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = command.getAsInt();
            System.out.flush();
            System.err.flush();
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The one JSON object the run printed on standard output (asserted to be exactly one). */
    JsonNode json() throws IOException {
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one JSON object on stdout: " + out + "\nstderr: " + err);
        JsonNode node = JSON.readTree(lines.getFirst());
        assertTrue(node.isObject(), lines.getFirst());
        return node;
    }
}
