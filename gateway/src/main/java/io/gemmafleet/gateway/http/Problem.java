package io.gemmafleet.gateway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.gemmafleet.schemas.Violation;
import java.util.List;

/**
 * An RFC 9457 problem details document ({@code application/problem+json}): {@code type}, {@code title},
 * {@code status}, {@code detail}, plus {@code field} (the first offending field, as a JSON path) and
 * {@code errors} (every violation) for invalid submissions, and {@code limit} / {@code limit_value} naming a
 * configured limit the request exceeded (e.g. {@code max-image-bytes}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field, List<Violation> errors,
                      String limit, Long limitValue) {

    static final String MEDIA_TYPE = "application/problem+json";
    private static final String BASE = "https://gemma-fleet.io/problems/";

    static Problem of(String slug, String title, int status, String detail) {
        return new Problem(BASE + slug, title, status, detail, null, null, null, null);
    }

    /** A problem with one offending field and, when a configured limit refused it, that limit's name and value. */
    static Problem at(String slug, String title, int status, String detail, String field, String limit,
                      Long limitValue) {
        return new Problem(BASE + slug, title, status, detail, field, null, limit, limitValue);
    }

    static Problem invalid(String code, List<Violation> violations) {
        String detail = String.join("; ", violations.stream().map(Violation::toString).toList());
        return new Problem(BASE + code.replace('_', '-'), "Invalid job request", 400, detail,
                violations.isEmpty() ? null : violations.getFirst().field(), violations, null, null);
    }
}
