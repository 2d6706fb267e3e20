package io.gemmafleet.gpukit;

import io.gemmafleet.cli.CliErrors;
import io.gemmafleet.cli.MakeTestModelCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;

/**
 * The GPU kit's entry point to the worker's {@code make-test-model} command ({@link MakeTestModelCommand}), which has
 * no main of its own outside ops/launcher (not part of the kit). Each argument is one complete {@code make-test-model}
 * argument line, e.g. {@code "--out /tmp/models/1b-q4_0.gguf --format gguf --shape 1b --dtype q4_0 --seed 1"}; the
 * models are written in parallel (each writer is single-threaded), each run's output is printed in one piece with its
 * wall time. Exit code: 0 if every model was written, 1 otherwise.
 */
public final class MakeTestModels {

    private MakeTestModels() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: MakeTestModels \"<make-test-model args>\" [\"<make-test-model args>\" ...]");
            new CommandLine(new MakeTestModelCommand()).usage(System.err);
            System.exit(2);
        }
        int threads = Math.max(1, Math.min(args.length, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        long start = System.nanoTime();
        for (String spec : args) {
            results.add(pool.submit(() -> make(spec)));
        }
        int failures = 0;
        for (Future<Integer> f : results) {
            try {
                failures += f.get() == 0 ? 0 : 1;
            } catch (Exception e) {
                failures++;
                e.printStackTrace();
            }
        }
        pool.shutdown();
        System.out.printf(Locale.ROOT, "[make-test-models] %d of %d written in %.1f s%n", args.length - failures,
                args.length, (System.nanoTime() - start) / 1e9);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int make(String spec) {
        String[] argv = spec.trim().split("\\s+");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new MakeTestModelCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        long t0 = System.nanoTime();
        int rc;
        try {
            rc = CliErrors.execute(cli, argv);
        } catch (RuntimeException | Error e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.write(trace.toString());
            rc = 1;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        synchronized (System.out) {
            System.out.printf(Locale.ROOT, "[make-test-model] %s -> rc=%d in %.1f s%n", spec, rc, seconds);
            System.out.print(out);
            System.out.print(err);
            System.out.flush();
        }
        return rc;
    }
}
