package io.gemmafleet.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every document under schemas/examples decodes (and re-encodes to a valid document); every one under invalid/ is rejected naming its field. */
class SchemaExamplesTest {

    private static final Path EXAMPLES = Path.of("examples");
    private final JobCodec codec = new JobCodec();

    static Stream<Path> valid() throws IOException {
        return list(EXAMPLES);
    }

    static Stream<Path> invalid() throws IOException {
        return list(EXAMPLES.resolve("invalid"));
    }

    private static Stream<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> json = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertFalse(json.isEmpty(), "no examples in " + dir.toAbsolutePath());
            return json.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("valid")
    void validExampleDecodesAndRoundTrips(Path file) throws IOException {
        byte[] json = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        if (name.startsWith("job-request")) {
            JobRequest request = codec.decodeRequest(json);
            assertEquals(request, codec.decodeRequest(codec.encode(request)));
        } else if (name.startsWith("job-result")) {
            JobResult result = codec.decodeResult(json);
            assertEquals(List.of(), codec.validateResult(codec.encode(result)));
            assertEquals(result, codec.decodeResult(codec.encode(result)));
        } else if (name.startsWith("job-status")) {
            JobStatusEvent event = codec.decodeStatusEvent(json);
            assertEquals(event, codec.decodeStatusEvent(codec.encode(event)));
        } else if (name.startsWith("cancel-request")) {
            CancelRequest cancel = codec.decodeCancel(json);
            assertEquals(cancel, codec.decodeCancel(codec.encode(cancel)));
        } else {
            throw new AssertionError("example of unknown kind: " + name);
        }
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidExampleIsRejectedNamingTheField(Path file) throws IOException {
        byte[] json = Files.readAllBytes(file);
        String field = Files.readString(Path.of(file + ".field")).strip();
        JobValidationException e = assertThrows(JobValidationException.class,
                () -> {
                    if (file.getFileName().toString().startsWith("job-result")) {
                        codec.decodeResult(json);
                    } else if (file.getFileName().toString().startsWith("cancel-request")) {
                        codec.decodeCancel(json);
                    } else {
                        codec.decodeRequest(json);
                    }
                });
        assertTrue(e.violations().stream().anyMatch(v -> v.field().equals(field)),
                "expected a violation at " + field + ", got " + e.violations());
    }

    @Test
    void imageAndVideoExamplesRouteToTheImageTopic() throws IOException {
        FleetTopics topics = FleetTopics.defaults();
        assertEquals("gemma.jobs.image", topics.jobTopicFor(
                codec.decodeRequest(Files.readAllBytes(EXAMPLES.resolve("job-request-image.json")))));
        for (String media : List.of("job-request-image-openai.json", "job-request-video-frames.json",
                "job-request-video-clip.json")) {
            assertEquals("gemma.jobs.image", topics.jobTopicFor(
                    codec.decodeRequest(Files.readAllBytes(EXAMPLES.resolve(media)))), media);
        }
        assertEquals("gemma.jobs.text", topics.jobTopicFor(
                codec.decodeRequest(Files.readAllBytes(EXAMPLES.resolve("job-request-chat.json")))));
    }
}
