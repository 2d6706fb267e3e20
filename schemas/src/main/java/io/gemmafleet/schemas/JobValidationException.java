package io.gemmafleet.schemas;

import java.util.List;

/**
 * A message that is not a valid document of its schema. {@link #code()} is an {@link ErrorCodes} value; the
 * message lists every violation with the field it concerns; {@link #jobId()} is the document's job_id when it had
 * a readable one, so a failed result can still be keyed by it.
 */
public final class JobValidationException extends RuntimeException {

    private final String code;
    private final List<Violation> violations;
    private final String jobId;

    public JobValidationException(String code, List<Violation> violations, String jobId) {
        super(summary(violations));
        this.code = code;
        this.violations = List.copyOf(violations);
        this.jobId = jobId;
    }

    private static String summary(List<Violation> violations) {
        return String.join("; ", violations.stream().map(Violation::toString).toList());
    }

    public String code() {
        return code;
    }

    public List<Violation> violations() {
        return violations;
    }

    /** The document's job_id, or null when it had none that could be read. */
    public String jobId() {
        return jobId;
    }
}
