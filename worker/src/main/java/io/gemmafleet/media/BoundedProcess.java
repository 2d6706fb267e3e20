package io.gemmafleet.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one executable on an argument list (never through a shell) with a deadline and bounded output: stdout is
 * kept up to a limit (past it the process is killed), stderr's first few KiB are kept for the error message, and a
 * process still running at its deadline is killed with everything it started.
 */
final class BoundedProcess {

    /** How much of stderr is kept: enough for ffmpeg's first errors, never a flood. */
    static final int STDERR_KEPT = 4096;

    /**
     * What a finished run left.
     *
     * @param exitCode the process's exit status
     * @param stdout everything it wrote to stdout (at most the limit asked for)
     * @param stderr the start of what it wrote to stderr, as text
     */
    record Result(int exitCode, byte[] stdout, String stderr) {}

    /** The run did not finish in time and was killed. */
    static final class TimedOut extends Exception {
        TimedOut(Duration limit) {
            super("ran past " + limit.toMillis() + " ms");
        }
    }

    /** The run wrote more to stdout than the limit and was killed. */
    static final class TooMuchOutput extends Exception {
        TooMuchOutput(long limit) {
            super("wrote more than " + limit + " bytes");
        }
    }

    private BoundedProcess() {}

    /**
     * @param command the executable and its arguments
     * @param timeout how long it may run
     * @param maxStdout the most stdout bytes accepted
     * @throws IOException when it cannot be started
     */
    static Result run(List<String> command, Duration timeout, int maxStdout)
            throws IOException, TimedOut, TooMuchOutput, InterruptedException {
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .start();
        Drain out = new Drain(process.getInputStream(), maxStdout, true);
        Drain err = new Drain(process.getErrorStream(), STDERR_KEPT, false);
        Thread outThread = Thread.ofVirtual().start(out);
        Thread errThread = Thread.ofVirtual().start(err);
        try {
            boolean finished = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (!finished) {
                killTree(process);
                throw new TimedOut(timeout);
            }
            // Bounded: a grandchild that inherited the pipes must not hold us here.
            outThread.join(Duration.ofSeconds(5));
            errThread.join(Duration.ofSeconds(5));
            if (out.overflowed) {
                throw new TooMuchOutput(maxStdout);
            }
            return new Result(process.exitValue(), out.bytes.toByteArray(),
                    err.bytes.toString(StandardCharsets.UTF_8));
        } finally {
            if (process.isAlive()) {
                killTree(process); // interrupted, or an unexpected error: leave nothing running
            }
        }
    }

    /** Kills the process and everything it started, and waits for it to go. */
    private static void killTree(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList(); // before the parent's death orphans them
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        for (ProcessHandle child : descendants) {
            try {
                child.onExit().get(2, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Killed, if not yet gone: nothing more can be done from here.
            }
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /**
     * Reads a stream to its end, keeping up to {@code keep} bytes; with {@code killOnOverflow} a longer stream
     * stops the reading (closing the pipe, so the writer gets SIGPIPE) and is flagged.
     */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private final int keep;
        private final boolean stopOnOverflow;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        volatile boolean overflowed;

        Drain(InputStream in, int keep, boolean stopOnOverflow) {
            this.in = in;
            this.keep = keep;
            this.stopOnOverflow = stopOnOverflow;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[64 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    int room = keep - bytes.size();
                    bytes.write(buffer, 0, Math.min(n, Math.max(room, 0)));
                    if (n > room) {
                        overflowed = true;
                        if (stopOnOverflow) {
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                // The process was killed and its pipe closed: what was read is what there is.
            }
        }
    }
}
