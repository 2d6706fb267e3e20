package io.gemmafleet.schemas;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobCodecTest {

    private final JobCodec codec = new JobCodec();

    private JobValidationException reject(String json) {
        return assertThrows(JobValidationException.class, () -> codec.decodeRequest(json.getBytes(UTF_8)));
    }

    @Test
    void chatRequestRoundTrips() {
        JobRequest request = JobRequest.chat("j-1", "hello", Sampling.greedy(4))
                .withDeadline(Instant.parse("2026-12-01T12:00:00Z"));
        JobRequest back = codec.decodeRequest(codec.encode(request));
        assertEquals(request, back);
        String json = new String(codec.encode(request), UTF_8);
        assertTrue(json.contains("\"job_id\":\"j-1\""), json);
        assertTrue(json.contains("\"max_tokens\":4"), json);
        assertTrue(json.contains("\"deadline\":\"2026-12-01T12:00:00Z\""), json);
    }

    @Test
    void stringContentBecomesOneTextPart() {
        JobRequest r = codec.decodeRequest("""
                {"schema_version":1,"job_id":"a","messages":[{"role":"user","content":"hi"}]}""".getBytes(UTF_8));
        assertEquals(List.of(new ContentPart.Text("hi")), r.messages().getFirst().content());
        assertFalse(r.hasImage());
    }

    @Test
    void unknownFieldsAreTolerated() {
        JobRequest r = codec.decodeRequest("""
                {"schema_version":1,"job_id":"a","prompt":"p","future":{"x":1},"sampling":{"max_tokens":3,"beam":2}}"""
                .getBytes(UTF_8));
        assertEquals(3, r.sampling().maxTokens());
    }

    @Test
    void notJsonIsInvalidJson() {
        JobValidationException e = reject("this is not json");
        assertEquals(ErrorCodes.INVALID_JSON, e.code());
        assertNull(e.jobId());
        assertTrue(e.getMessage().startsWith("$: not valid JSON"), e.getMessage());
    }

    @Test
    void aJsonArrayIsRejectedAtTheRoot() {
        JobValidationException e = reject("[1,2]");
        assertEquals(ErrorCodes.INVALID_REQUEST, e.code());
        assertEquals("$", e.violations().getFirst().field());
    }

    @Test
    void errorsNameTheFieldAndKeepTheJobId() {
        JobValidationException e = reject("""
                {"schema_version":1,"job_id":"j-9","prompt":"p","sampling":{"temperature":-1,"max_tokens":0}}""");
        assertEquals("j-9", e.jobId());
        List<String> fields = e.violations().stream().map(Violation::field).toList();
        assertTrue(fields.contains("$.sampling.temperature"), fields.toString());
        assertTrue(fields.contains("$.sampling.max_tokens"), fields.toString());
    }

    @Test
    void bothMessagesAndPromptIsOneClearError() {
        JobValidationException e = reject("""
                {"schema_version":1,"job_id":"j","prompt":"p","messages":[{"role":"user","content":"x"}]}""");
        assertEquals(1, e.violations().size(), e.violations().toString());
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }

    @Test
    void newerSchemaVersionIsRefusedByName() {
        JobValidationException e = reject("""
                {"schema_version":2,"job_id":"j","prompt":"p"}""");
        assertEquals(ErrorCodes.UNSUPPORTED_SCHEMA_VERSION, e.code());
        assertEquals("$.schema_version", e.violations().getFirst().field());
    }

    @Test
    void badDeadlineNamesTheField() {
        JobValidationException e = reject("""
                {"schema_version":1,"job_id":"j","prompt":"p","deadline":"tomorrow"}""");
        assertTrue(e.violations().stream().anyMatch(v -> v.field().equals("$.deadline")), e.violations().toString());
    }

    @Test
    void deadlineExpiryIsInclusive() {
        Instant t = Instant.parse("2026-12-01T12:00:00Z");
        JobRequest r = JobRequest.rawPrompt("j", "p", null).withDeadline(t);
        assertFalse(r.isExpiredAt(t.minusMillis(1)));
        assertTrue(r.isExpiredAt(t));
        assertFalse(JobRequest.rawPrompt("j", "p", null).isExpiredAt(Instant.MAX));
    }

    @Test
    void effectiveSamplingFillsDefaults() {
        Sampling s = new Sampling(0.0, null, null, null, null, null, null, 7L, 5, null).orDefaults(Sampling.DEFAULTS);
        assertEquals(0.0, s.temperature());
        assertEquals(64, s.topK());
        assertEquals(5, s.maxTokens());
        assertEquals(7L, s.seed());
        assertEquals(List.of(), s.stop());
    }

    @Test
    void resultsRoundTripAndValidate() {
        JobResult result = new JobResult(1, "j", null, JobStatus.SUCCEEDED, "text", "length",
                new JobResult.Usage(3, 4), new JobResult.Timings(1L, 2L, 3L),
                new JobResult.ServedBy("w", "m", "tiny-random", 128, true), null, 1,
                Instant.parse("2026-12-01T12:00:00.5Z"));
        byte[] json = codec.encode(result);
        assertEquals(List.of(), codec.validateResult(json));
        assertEquals(result, codec.decodeResult(json));
        assertTrue(new String(json, UTF_8).contains("\"status\":\"succeeded\""));
    }

    @Test
    void failedResultWithoutErrorIsInvalid() {
        JobResult bad = new JobResult(1, "j", null, JobStatus.FAILED, null, null, null, null, null, null, null,
                Instant.EPOCH);
        assertFalse(codec.validateResult(codec.encode(bad)).isEmpty());
    }

    @Test
    void truncateDefaultsToNoneAndLeftRoundTrips() {
        JobRequest plain = JobRequest.rawPrompt("j", "p", null);
        assertEquals(Truncation.NONE, plain.effectiveTruncation());
        assertFalse(plain.truncatesLeft());
        assertFalse(new String(codec.encode(plain), UTF_8).contains("truncate"));

        JobRequest left = plain.withTruncate(Truncation.LEFT).withPriority(0);
        String json = new String(codec.encode(left), UTF_8);
        assertTrue(json.contains("\"truncate\":\"left\""), json);
        JobRequest back = codec.decodeRequest(json.getBytes(UTF_8));
        assertEquals(left, back);
        assertTrue(back.truncatesLeft());
        assertEquals(0, back.effectivePriority());

        JobRequest none = codec.decodeRequest("""
                {"schema_version":1,"job_id":"a","prompt":"p","truncate":"none"}""".getBytes(UTF_8));
        assertEquals(Truncation.NONE, none.truncate());
        assertFalse(none.truncatesLeft());
        assertEquals("$.truncate", reject("""
                {"schema_version":1,"job_id":"a","prompt":"p","truncate":"middle"}""").violations().getFirst().field());
    }

    @Test
    void truncationAndRungRoundTripInResults() {
        JobResult result = new JobResult(1, "j", null, JobStatus.CANCELLED, "so far", null,
                new JobResult.Usage(100, 2, 28), null,
                new JobResult.ServedBy("w", "m", "v", 128, false).withRung("m q4_0 ctx128"), null, 1,
                Instant.parse("2026-12-01T12:00:00Z"));
        byte[] json = codec.encode(result);
        String text = new String(json, UTF_8);
        assertTrue(text.contains("\"truncated_prompt_tokens\":28"), text);
        assertTrue(text.contains("\"rung\":\"m q4_0 ctx128\""), text);
        assertEquals(List.of(), codec.validateResult(json));
        assertEquals(result, codec.decodeResult(json));
        // The old shapes still build, and say nothing of truncation or rung.
        assertNull(new JobResult.Usage(1, 2).truncatedPromptTokens());
        assertNull(new JobResult.ServedBy("w", "m", "v", 128, false).rung());
        assertFalse(new String(codec.encode(new JobResult(1, "j", null, JobStatus.SUCCEEDED, "t", "stop",
                new JobResult.Usage(1, 2), null, null, null, null, Instant.EPOCH)), UTF_8).contains("truncated"));
    }

    @Test
    void cancelRequestsRoundTripAndAreValidated() {
        CancelRequest cancel = CancelRequest.of("job-7", Instant.parse("2026-12-01T12:00:00.25Z"), "user asked");
        byte[] json = codec.encode(cancel);
        assertTrue(new String(json, UTF_8).contains("\"job_id\":\"job-7\""));
        assertEquals(cancel, codec.decodeCancel(json));
        CancelRequest bare = codec.decodeCancel("""
                {"schema_version":1,"job_id":"j"}""".getBytes(UTF_8));
        assertNull(bare.requestedAt());
        assertNull(bare.reason());
        JobValidationException e = assertThrows(JobValidationException.class,
                () -> codec.decodeCancel("{\"schema_version\":1,\"job_id\":\"\"}".getBytes(UTF_8)));
        assertEquals("$.job_id", e.violations().getFirst().field());
        assertEquals(ErrorCodes.INVALID_JSON, assertThrows(JobValidationException.class,
                () -> codec.decodeCancel("nope".getBytes(UTF_8))).code());
    }
}
