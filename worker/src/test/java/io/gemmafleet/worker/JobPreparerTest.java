package io.gemmafleet.worker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.Sampling;
import io.gemmafleet.schemas.Truncation;
import io.gemmafleet.testmodel.TinyModels;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deadlines, poison records and limits, decided before any inference, with a fixed clock. */
class JobPreparerTest {

    @TempDir
    static Path dir;
    static Checkpoint checkpoint;
    static JobPreparer preparer;
    static final JobCodec codec = new JobCodec();
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Set<String> cancelled = new HashSet<>();

    @BeforeAll
    static void load() {
        checkpoint = CheckpointLoader.load(TinyModels.writeGguf(dir).toString());
        preparer = new JobPreparer(codec, GemmaTokenizer.load(checkpoint.tokenizer()), () -> 128, 5,
                cancelled::contains);
    }

    @AfterAll
    static void close() {
        checkpoint.close();
    }

    private static IncomingJob record(byte[] value, int deliveries) {
        return new IncomingJob("t", 2, 40, "key-1", value, 0, deliveries);
    }

    private static IncomingJob record(JobRequest r) {
        return record(codec.encode(r), 1);
    }

    @Test
    void readyJobIsTokenized() {
        var p = preparer.prepare(record(JobRequest.chat("j1", "hello", Sampling.greedy(4))), NOW);
        JobPreparer.Ready ready = assertInstanceOf(JobPreparer.Ready.class, p);
        assertTrue(ready.promptIds().length > 3);
        assertEquals(4, ready.params().maxTokens());
    }

    @Test
    void rawPromptGetsBosOnly() {
        var ready = assertInstanceOf(JobPreparer.Ready.class,
                preparer.prepare(record(JobRequest.rawPrompt("j", "hi", Sampling.greedy(2))), NOW));
        assertEquals(2, ready.promptIds()[0], "BOS");
    }

    @Test
    void deadlinePassedIsExpiredAndTheBoundaryCounts() {
        JobRequest r = JobRequest.chat("j2", "x", Sampling.greedy(4));
        assertInstanceOf(JobPreparer.Expired.class, preparer.prepare(record(r.withDeadline(NOW)), NOW));
        assertInstanceOf(JobPreparer.Expired.class, preparer.prepare(record(r.withDeadline(NOW.minusSeconds(1))), NOW));
        assertInstanceOf(JobPreparer.Ready.class, preparer.prepare(record(r.withDeadline(NOW.plusMillis(1))), NOW));
    }

    @Test
    void notJsonIsRefusedKeyedByTheRecordKeyAndDeadLettered() {
        var f = assertInstanceOf(JobPreparer.Refused.class, preparer.prepare(record("{oops".getBytes(UTF_8), 1), NOW));
        assertEquals(ErrorCodes.INVALID_JSON, f.code());
        assertEquals("key-1", f.jobId());
        assertTrue(f.deadLetter());
    }

    @Test
    void schemaViolationNamesTheField() {
        var f = assertInstanceOf(JobPreparer.Refused.class, preparer.prepare(record(
                "{\"schema_version\":1,\"job_id\":\"j3\",\"prompt\":5}".getBytes(UTF_8), 1), NOW));
        assertEquals(ErrorCodes.INVALID_REQUEST, f.code());
        assertEquals("j3", f.jobId());
        assertTrue(f.message().contains("$.prompt"), f.message());
    }

    @Test
    void promptTooLongForTheContext() {
        var f = assertInstanceOf(JobPreparer.Refused.class, preparer.prepare(
                record(JobRequest.rawPrompt("j4", "word ".repeat(200), Sampling.greedy(4))), NOW));
        assertEquals(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, f.code());
        assertTrue(f.message().contains("max_tokens 4") && f.message().contains("context of 128"), f.message());
        assertTrue(!f.deadLetter(), "a request too long for this worker is not malformed");
        // Beyond 32 characters per token of context, the cheap guard answers before tokenizing.
        var huge = assertInstanceOf(JobPreparer.Refused.class, preparer.prepare(
                record(JobRequest.rawPrompt("j5", "x".repeat(1 << 20), Sampling.greedy(4))), NOW));
        assertEquals(ErrorCodes.PROMPT_TOO_LONG, huge.code());
    }

    @Test
    void deliveryLimitGivesUp() {
        var f = assertInstanceOf(JobPreparer.Refused.class,
                preparer.prepare(record(codec.encode(JobRequest.chat("j6", "x", Sampling.greedy(4))), 5), NOW));
        assertEquals(ErrorCodes.DELIVERY_LIMIT, f.code());
        assertInstanceOf(JobPreparer.Ready.class,
                preparer.prepare(record(codec.encode(JobRequest.chat("j6", "x", Sampling.greedy(4))), 4), NOW));
    }

    @Test
    void imagesAreUnsupportedOnATextRuntimeButNotDeadLettered() {
        var f = assertInstanceOf(JobPreparer.Refused.class, preparer.prepare(record(("{\"schema_version\":1,"
                + "\"job_id\":\"j7\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"url\":\"u\"}]}]}")
                .getBytes(UTF_8), 1), NOW));
        assertEquals(ErrorCodes.UNSUPPORTED_INPUT, f.code());
        assertTrue(!f.deadLetter());
    }

    @Test
    void defaultMaxTokensCountAgainstTheContext() {
        // No max_tokens: the default 256 does not fit a 128-token context, which is reported, not truncated.
        var f = assertInstanceOf(JobPreparer.Refused.class,
                preparer.prepare(record(JobRequest.chat("j8", "x", null)), NOW));
        assertEquals(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, f.code());
    }

    @Test
    void truncationFromTheLeftKeepsTheBeginningOfSequenceAndTheLastTokens() {
        JobRequest r = JobRequest.rawPrompt("j9", "word ".repeat(200), Sampling.greedy(8))
                .withTruncate(Truncation.LEFT);
        var ready = assertInstanceOf(JobPreparer.Ready.class, preparer.prepare(record(r), NOW));
        int[] full = GemmaTokenizer.load(checkpoint.tokenizer()).encode("word ".repeat(200), true);
        assertEquals(120, ready.promptIds().length, "context 128 less max_tokens 8");
        assertEquals(full[0], ready.promptIds()[0], "BOS stays in front");
        assertArrayEquals(Arrays.copyOfRange(full, full.length - 119, full.length),
                Arrays.copyOfRange(ready.promptIds(), 1, 120));
        assertEquals(full.length - 120, ready.truncatedTokens());
        // A prompt that fits is never cut.
        var fits = assertInstanceOf(JobPreparer.Ready.class, preparer.prepare(record(JobRequest.rawPrompt("j10",
                "word", Sampling.greedy(8)).withTruncate(Truncation.LEFT)), NOW));
        assertEquals(0, fits.truncatedTokens());
    }

    @Test
    void aJobCancelledBeforeItStartsIsAnsweredWithoutInference() {
        cancelled.add("j11");
        assertInstanceOf(JobPreparer.Cancelled.class,
                preparer.prepare(record(JobRequest.chat("j11", "x", Sampling.greedy(4))), NOW));
        assertInstanceOf(JobPreparer.Ready.class,
                preparer.prepare(record(JobRequest.chat("j12", "x", Sampling.greedy(4))), NOW));
    }
}
