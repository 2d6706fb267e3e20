package io.gemmafleet.cli;

import io.gemmafleet.model.load.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gemma-fleet} command line: one subcommand per job. */
@Command(name = "gemma-fleet", mixinStandardHelpOptions = true, version = "gemma-fleet 0.1.0",
        description = "Gemma 3 inference: the runtime, its tools, and (soon) the Kafka fleet.",
        subcommands = {GenerateCommand.class, MakeTestModelCommand.class, BenchCommand.class,
                WorkerCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; bad input of any kind ends in a one-line message and exit code 1, not a trace. */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ModelLoadException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException || e instanceof java.io.IOException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
