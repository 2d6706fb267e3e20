package io.gemmafleet.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on a terminal's stderr, redrawn in place; silent when stderr is not a terminal. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean enabled;
    private int lastDrawn = -1;

    ProgressBar(PrintStream out, String label, long total, boolean enabled) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.enabled = enabled;
    }

    void update(long done) {
        int percent = (int) (100 * done / total);
        if (!enabled || percent == lastDrawn) {
            return;
        }
        lastDrawn = percent;
        int filled = percent * WIDTH / 100;
        out.printf(Locale.ROOT, "\r%s [%s%s] %3d%% of %.1f MiB", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                percent, total / 1048576.0);
        out.flush();
    }

    void finish() {
        if (enabled && lastDrawn >= 0) {
            out.print("\r" + " ".repeat(label.length() + WIDTH + 24) + "\r");
            out.flush();
        }
    }
}
