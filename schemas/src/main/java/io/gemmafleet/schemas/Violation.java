package io.gemmafleet.schemas;

/** One validation error: the JSON path of the offending field ({@code $.sampling.top_p}) and what is wrong. */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
