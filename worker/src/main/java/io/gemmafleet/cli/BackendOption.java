package io.gemmafleet.cli;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.Backends;
import java.io.PrintStream;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --backend} option of every command that opens a model, as a picocli mixin
 * ({@code @Mixin BackendOption backend;}). {@link #select} resolves it through {@link Backends}; a name that is
 * unknown or cannot run here is a usage error ({@link CliErrors.UsageError}: one line, exit code 2).
 */
public final class BackendOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--backend", defaultValue = Backends.AUTO, paramLabel = "NAME",
            description = "auto, cpu or cuda (default: auto: CUDA when a GPU and driver are usable, else the CPU)")
    String choice = Backends.AUTO;

    /** The name as given ({@code auto} when absent). */
    public String choice() {
        return choice;
    }

    /**
     * The backend to run on. Says on {@code log} in one line which one was chosen, after a line for each
     * accelerator that {@code auto} passed over and why.
     *
     * @throws CliErrors.UsageError for an unknown name or a named backend that cannot run here
     */
    public Backend select(PrintStream log) {
        Backend backend = select(log::println);
        log.println("Backend: " + backend.name() + (isAuto() ? " (--backend auto)" : ""));
        return backend;
    }

    /**
     * Resolves the choice, passing {@code notice} a line for each accelerator that {@code auto} passed over; says
     * nothing about the backend chosen.
     *
     * @throws CliErrors.UsageError for an unknown name or a named backend that cannot run here
     */
    public Backend select(Consumer<String> notice) {
        try {
            return Backends.select(choice, notice);
        } catch (IllegalArgumentException e) {
            throw new CliErrors.UsageError(command.commandLine(),
                    "Invalid value for option '--backend': " + e.getMessage());
        }
    }

    private boolean isAuto() {
        return choice == null || choice.strip().equalsIgnoreCase(Backends.AUTO);
    }
}
