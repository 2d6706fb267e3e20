package io.gemmafleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The worker's runtime commands under one test-only top command, run with the real error handling
 * ({@link CliErrors}); the shipped top command ({@code io.gemmafleet.launcher.Main}) lives in ops/launcher.
 * Its {@link #main} lets fleet tests run a worker as a separate process (to kill it for real).
 */
@Command(name = "gemma-fleet", subcommands = {GenerateCommand.class, MakeTestModelCommand.class,
        BenchCommand.class, EngineBenchCommand.class, ImageBenchCommand.class, WorkerCommand.class})
public final class WorkerCli {

    private WorkerCli() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return CliErrors.execute(new CommandLine(new WorkerCli()), args);
    }
}
