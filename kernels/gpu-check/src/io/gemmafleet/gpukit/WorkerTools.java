package io.gemmafleet.gpukit;

import io.gemmafleet.cli.BenchCommand;
import io.gemmafleet.cli.CliErrors;
import io.gemmafleet.cli.EngineBenchCommand;
import io.gemmafleet.cli.GenerateCommand;
import io.gemmafleet.cli.MakeTestModelCommand;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The worker's own commands (generate, make-test-model, bench, engine-bench) for the GPU kit, which does not
 * carry ops/launcher and its Main. {@code WorkerTools [--stdout FILE] <command> ...}: with {@code --stdout}, what the
 * command prints on standard output (e.g. {@code generate --json}'s one JSON object) goes to FILE instead.
 */
@Command(name = "worker-tools", mixinStandardHelpOptions = true,
        subcommands = {GenerateCommand.class, MakeTestModelCommand.class, BenchCommand.class,
                EngineBenchCommand.class})
public final class WorkerTools implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("--stdout")) {
            System.setOut(new PrintStream(new FileOutputStream(args[1]), true, StandardCharsets.UTF_8));
            args = Arrays.copyOfRange(args, 2, args.length);
        }
        int rc = CliErrors.execute(new CommandLine(new WorkerTools()), args);
        System.out.flush();
        System.exit(rc);
    }
}
