package io.gemmafleet.cli;

import io.gemmafleet.model.load.ModelLoadException;
import picocli.CommandLine;

/**
 * The command line's error contract, shared by every top-level command that mounts these subcommands: bad input of
 * any kind (a model that will not load, a bad argument, an unreadable file) ends in one line {@code error: ...} and
 * exit code 1, never a stack trace; anything else is a bug and keeps its trace. An option value that parsed but
 * cannot be used here ({@link UsageError}, e.g. {@code --backend cuda} without a GPU) is a usage error: its one
 * line, in picocli's words, and exit code 2. Other parse errors keep picocli's own handling (exit code 2).
 */
public final class CliErrors {

    private CliErrors() {}

    /**
     * A usage error found while running a command rather than while parsing it: printed as its one-line message,
     * without the usage help, and the command exits with code 2.
     */
    public static final class UsageError extends CommandLine.ParameterException {
        private static final long serialVersionUID = 1L;

        public UsageError(CommandLine commandLine, String message) {
            super(commandLine, message);
        }
    }

    /** Executes {@code cli} with the one-line error handlers installed; returns the exit code. */
    public static int execute(CommandLine cli, String... args) {
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ModelLoadException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException || e instanceof java.io.IOException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        CommandLine.IParameterExceptionHandler parseErrors = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, arguments) -> {
            if (e instanceof UsageError) {
                CommandLine commandLine = e.getCommandLine();
                commandLine.getErr().println(e.getMessage());
                return commandLine.getCommandSpec().exitCodeOnInvalidInput();
            }
            return parseErrors.handleParseException(e, arguments);
        });
        return cli.execute(args);
    }
}
