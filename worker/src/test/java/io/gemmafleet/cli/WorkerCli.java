package io.gemmafleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The worker's runtime commands under one test-only top command, run with the real error handling
 * ({@link CliErrors}); the shipped top command ({@code io.gemmafleet.launcher.Main}) lives in ops/launcher.
 */
@Command(name = "gemma-fleet", subcommands = {GenerateCommand.class, MakeTestModelCommand.class,
        BenchCommand.class})
final class WorkerCli {

    private WorkerCli() {}

    static int run(String... args) {
        return CliErrors.execute(new CommandLine(new WorkerCli()), args);
    }
}
