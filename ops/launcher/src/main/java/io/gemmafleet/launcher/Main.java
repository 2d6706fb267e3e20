package io.gemmafleet.launcher;

import io.gemmafleet.cli.BenchCommand;
import io.gemmafleet.cli.CliErrors;
import io.gemmafleet.cli.EngineBenchCommand;
import io.gemmafleet.cli.GenerateCommand;
import io.gemmafleet.cli.ImageBenchCommand;
import io.gemmafleet.cli.MakeTestModelCommand;
import io.gemmafleet.cli.WorkerCommand;
import io.gemmafleet.gateway.GatewayCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gemma-fleet} command line: the runtime's commands, the worker, the gateway and the local fleet. It
 * lives above worker and gateway so that neither module depends on the other. Bad input of any kind ends in a
 * one-line {@code error: ...} and exit code 1 ({@link CliErrors}).
 */
@Command(name = "gemma-fleet", mixinStandardHelpOptions = true, version = "gemma-fleet 0.1.0",
        description = "Gemma 3 inference: the runtime, its tools, and the Kafka fleet (worker, gateway, dev).",
        subcommands = {DevCommand.class, GenerateCommand.class, MakeTestModelCommand.class, BenchCommand.class,
                EngineBenchCommand.class, ImageBenchCommand.class, WorkerCommand.class, GatewayCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return CliErrors.execute(new CommandLine(new Main()), args);
    }
}
