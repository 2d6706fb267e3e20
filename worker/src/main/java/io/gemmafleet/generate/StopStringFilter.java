package io.gemmafleet.generate;

import java.util.List;

/**
 * Holds back streamed text that might turn into a stop string, and finds where the text must end.
 *
 * <p>Text is released only up to the point where no stop string could still begin, so a client never sees the
 * start of a stop string that later completes.
 */
public final class StopStringFilter {

    private final List<String> stops;
    private final int holdBack;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean stopped;

    public StopStringFilter(List<String> stops) {
        this.stops = stops;
        this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** Adds decoded text; returns the newly releasable part. After a stop string is seen, returns what precedes it. */
    public String append(String chunk) {
        if (stopped) {
            return "";
        }
        int searchFrom = Math.max(0, text.length() - holdBack);
        text.append(chunk);
        int cut = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, searchFrom);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        int end;
        if (cut >= 0) {
            stopped = true;
            text.setLength(cut);
            end = cut;
        } else {
            end = Math.max(released, text.length() - holdBack);
        }
        return release(end);
    }

    /** Whether a stop string has appeared. */
    public boolean stopped() {
        return stopped;
    }

    /** Releases everything still held (generation ended without a stop string). */
    public String flush() {
        return release(text.length());
    }

    public String text() {
        return text.toString();
    }

    private String release(int end) {
        if (end <= released) {
            return "";
        }
        // never split a surrogate pair
        if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        String out = text.substring(released, end);
        released = end;
        return out;
    }
}
