package io.gemmafleet.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes the fleet's messages as UTF-8 JSON. Decoding validates against the bundled schema first, so a
 * decoded object is always a valid document; invalid input raises {@link JobValidationException} naming each bad
 * field. Unknown fields are ignored (forward compatibility within a schema version). Thread-safe.
 */
public final class JobCodec {

    /** The contract version this code reads and writes. */
    public static final int SCHEMA_VERSION = 1;

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

    private final SchemaValidator requests = new SchemaValidator(SchemaValidator.Document.JOB_REQUEST);
    private final SchemaValidator results = new SchemaValidator(SchemaValidator.Document.JOB_RESULT);
    private final SchemaValidator events = new SchemaValidator(SchemaValidator.Document.JOB_STATUS_EVENT);
    private final SchemaValidator cancels = new SchemaValidator(SchemaValidator.Document.CANCEL_REQUEST);

    public byte[] encode(JobRequest request) {
        return write(request);
    }

    public byte[] encode(JobResult result) {
        return write(result);
    }

    public byte[] encode(JobStatusEvent event) {
        return write(event);
    }

    public byte[] encode(CancelRequest cancel) {
        return write(cancel);
    }

    /** A valid job request, or {@link JobValidationException} (codes invalid_json, invalid_request, ...). */
    public JobRequest decodeRequest(byte[] json) {
        JsonNode tree = parse(json);
        String jobId = tree.path("job_id").isTextual() ? tree.get("job_id").asText() : null;
        checkVersion(tree, jobId);
        List<Violation> violations = new ArrayList<>();
        boolean hasMessages = tree.has("messages");
        boolean hasPrompt = tree.has("prompt");
        if (hasMessages == hasPrompt) {
            violations.add(new Violation("$", hasPrompt
                    ? "give either \"messages\" or \"prompt\", not both"
                    : "one of \"messages\" (chat) or \"prompt\" (raw text) is required"));
        }
        for (Violation v : requests.validate(tree)) {
            // The root oneOf (and its "not" branches) restate the messages/prompt rule above: keep our wording.
            if (!(v.field().equals("$") && (v.message().endsWith("[oneOf]") || v.message().endsWith("[not]")))) {
                violations.add(v);
            }
        }
        violations = withoutVagueParents(violations);
        if (violations.isEmpty()) {
            violations.addAll(MediaPayloads.check(tree)); // bad base64, frames out of order: beyond the schema
        }
        if (!violations.isEmpty()) {
            throw new JobValidationException(ErrorCodes.INVALID_REQUEST, violations, jobId);
        }
        return bind(tree, JobRequest.class, jobId);
    }

    private static final Set<String> VAGUE = Set.of("[oneOf]", "[anyOf]", "[type]");

    /**
     * Drops "no branch of oneOf/anyOf matched" and "wrong type" at a field when a violation under that field says
     * what is actually wrong (e.g. {@code $.messages[0].content} versus {@code $.messages[0].content[0].text}), so
     * the first violation, which a problem document names as {@code field}, is the precise one.
     */
    private static List<Violation> withoutVagueParents(List<Violation> violations) {
        List<Violation> kept = new ArrayList<>();
        for (Violation v : violations) {
            boolean vague = VAGUE.stream().anyMatch(v.message()::endsWith) && violations.stream().anyMatch(
                    o -> o.field().startsWith(v.field() + ".") || o.field().startsWith(v.field() + "["));
            if (!vague) {
                kept.add(v);
            }
        }
        return kept;
    }

    /** A valid job result, or {@link JobValidationException}. */
    public JobResult decodeResult(byte[] json) {
        return decodeValidated(json, results, JobResult.class);
    }

    /** A valid status event, or {@link JobValidationException}. */
    public JobStatusEvent decodeStatusEvent(byte[] json) {
        return decodeValidated(json, events, JobStatusEvent.class);
    }

    /** A valid cancel request, or {@link JobValidationException} (codes invalid_json, invalid_request, ...). */
    public CancelRequest decodeCancel(byte[] json) {
        return decodeValidated(json, cancels, CancelRequest.class);
    }

    /** The schema violations of a job result document (empty when valid); for tests and producers' self-checks. */
    public List<Violation> validateResult(byte[] json) {
        return results.validate(parse(json));
    }

    private <T> T decodeValidated(byte[] json, SchemaValidator validator, Class<T> type) {
        JsonNode tree = parse(json);
        String jobId = tree.path("job_id").isTextual() ? tree.get("job_id").asText() : null;
        checkVersion(tree, jobId);
        List<Violation> violations = validator.validate(tree);
        if (!violations.isEmpty()) {
            throw new JobValidationException(ErrorCodes.INVALID_REQUEST, violations, jobId);
        }
        return bind(tree, type, jobId);
    }

    private JsonNode parse(byte[] json) {
        try {
            JsonNode tree = mapper.readTree(json);
            if (tree == null || tree.isMissingNode()) {
                throw new JobValidationException(ErrorCodes.INVALID_JSON, List.of(new Violation("$", "empty message")),
                        null);
            }
            if (!tree.isObject()) {
                throw new JobValidationException(ErrorCodes.INVALID_REQUEST,
                        List.of(new Violation("$", "must be a JSON object, got " + tree.getNodeType()
                                .name().toLowerCase(java.util.Locale.ROOT))), null);
            }
            return tree;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new JobValidationException(ErrorCodes.INVALID_JSON,
                    List.of(new Violation("$", "not valid JSON" + where + ": " + e.getOriginalMessage())), null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A known major version is the one rule that comes before the schema: a v2 document must not be half-read. */
    private static void checkVersion(JsonNode tree, String jobId) {
        JsonNode version = tree.get("schema_version");
        if (version != null && version.isIntegralNumber() && version.asInt() != SCHEMA_VERSION) {
            throw new JobValidationException(ErrorCodes.UNSUPPORTED_SCHEMA_VERSION, List.of(new Violation(
                    "$.schema_version", "version " + version.asText() + " is not supported (this reader knows "
                            + SCHEMA_VERSION + ")")), jobId);
        }
    }

    private <T> T bind(JsonNode tree, Class<T> type, String jobId) {
        try {
            return mapper.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new JobValidationException(ErrorCodes.INVALID_REQUEST,
                    List.of(new Violation(path(e.getPath()), e.getOriginalMessage())), jobId);
        } catch (JsonProcessingException e) {
            throw new JobValidationException(ErrorCodes.INVALID_REQUEST,
                    List.of(new Violation("$", e.getOriginalMessage())), jobId);
        }
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder("$");
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                sb.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /** The configured mapper (snake_case, RFC 3339 instants, nulls omitted) for callers that build documents. */
    public ObjectMapper mapper() {
        return mapper;
    }
}
