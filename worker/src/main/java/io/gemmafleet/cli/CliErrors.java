package io.gemmafleet.cli;

import io.gemmafleet.model.load.ModelLoadException;
import picocli.CommandLine;

/**
 * The command line's error contract, shared by every top-level command that mounts these subcommands: bad input of
 * any kind (a model that will not load, a bad argument, an unreadable file) ends in one line {@code error: ...} and
 * exit code 1, never a stack trace; anything else is a bug and keeps its trace.
 */
public final class CliErrors {

    private CliErrors() {}

    /** Executes {@code cli} with the one-line error handler installed; returns the exit code. */
    public static int execute(CommandLine cli, String... args) {
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
