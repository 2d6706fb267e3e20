package io.gemmafleet.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates JSON documents against one of the bundled draft 2020-12 schemas; every error names the instance path
 * of the field it concerns. Thread-safe: the compiled schema is immutable.
 */
public final class SchemaValidator {

    /** The bundled schemas, by resource name under {@code /schemas/}. */
    public enum Document {
        JOB_REQUEST("job-request.schema.json"),
        JOB_RESULT("job-result.schema.json"),
        JOB_STATUS_EVENT("job-status-event.schema.json"),
        CANCEL_REQUEST("cancel-request.schema.json");

        final String resource;

        Document(String resource) {
            this.resource = resource;
        }

        /** The schema's text, e.g. for a gateway to serve. */
        public String schemaText() {
            try (InputStream in = open()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        InputStream open() {
            InputStream in = SchemaValidator.class.getResourceAsStream("/schemas/" + resource);
            if (in == null) {
                throw new IllegalStateException("schema resource missing from the classpath: /schemas/" + resource);
            }
            return in;
        }
    }

    private final Schema schema;

    public SchemaValidator(Document document) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        try (InputStream in = document.open()) {
            this.schema = registry.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every violation of the schema; empty when the document is valid. */
    public List<Violation> validate(JsonNode document) {
        List<Error> errors = schema.validate(document);
        return errors.stream().map(SchemaValidator::toViolation).toList();
    }

    private static Violation toViolation(Error error) {
        String pointer = error.getInstanceLocation().toString();
        String message = error.getMessage();
        // networknt prefixes the message with the instance location; keep the location once, in the field.
        if (message.startsWith(pointer + ": ")) {
            message = message.substring(pointer.length() + 2);
        } else if (message.startsWith(": ")) {
            message = message.substring(2);
        }
        if (error.getKeyword().equals("not")) {
            message = plainNot(message);
        }
        return new Violation(jsonPath(error.getInstanceLocation()), message + " [" + error.getKeyword() + "]");
    }

    private static final Pattern NOT_REQUIRED =
            Pattern.compile("must not be valid to the schema \\{\"required\":\\[(.+)]}");

    /** Our schemas use {@code not: {required: [a, b]}} for "not both"; say that instead of quoting the schema. */
    private static String plainNot(String message) {
        Matcher m = NOT_REQUIRED.matcher(message);
        return m.matches() ? "give only one of " + m.group(1).replace("\"", "").replace(",", ", ") : message;
    }

    /** {@code $.messages[0].content} rather than a JSON pointer: the form our error messages and docs use. */
    static String jsonPath(NodePath location) {
        StringBuilder sb = new StringBuilder("$");
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer index) {
                sb.append('[').append(index).append(']');
            } else {
                sb.append('.').append(element);
            }
        }
        return sb.toString();
    }
}
