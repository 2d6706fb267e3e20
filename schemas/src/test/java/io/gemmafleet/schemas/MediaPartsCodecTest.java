package io.gemmafleet.schemas;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Image parts in both forms, data URIs, video parts and pan_and_scan through the codec; what a worker sees. */
class MediaPartsCodecTest {

    private static final String PNG = "iVBORw0KGgo="; // the PNG signature
    private final JobCodec codec = new JobCodec();

    private JobRequest decode(String content) {
        return codec.decodeRequest(("{\"schema_version\":1,\"job_id\":\"j\",\"messages\":[{\"role\":\"user\","
                + "\"content\":" + content + "}]}").getBytes(UTF_8));
    }

    private List<Violation> reject(String content) {
        return assertThrows(JobValidationException.class, () -> decode(content)).violations();
    }

    private static void assertField(String field, List<Violation> violations) {
        assertTrue(violations.stream().anyMatch(v -> v.field().equals(field)),
                "expected a violation at " + field + ", got " + violations);
    }

    @Test
    void openAiImageUrlFormBecomesAnImagePart() {
        JobRequest r = decode("""
                [{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}},
                 {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}},
                 {"type":"text","text":"?"}]""".formatted(PNG));
        List<ContentPart> parts = r.messages().getFirst().content();
        assertEquals(ContentPart.Image.ofUrl("https://example.com/a.png"), parts.get(0));
        assertEquals(ContentPart.Image.ofData("data:image/png;base64," + PNG, null), parts.get(1),
                "a data URI is data, not a URL");
        assertEquals("image/png", InlineMedia.decode(((ContentPart.Image) parts.get(1)).data(), null).mediaType());
        assertTrue(r.hasImage());
        assertEquals("gemma.jobs.image", FleetTopics.defaults().jobTopicFor(r));
    }

    @Test
    void aDataUriInOurUrlFieldIsReadAsData() {
        ContentPart part = decode("[{\"type\":\"image\",\"url\":\"data:image/gif;base64,R0lGODlh\"}]")
                .messages().getFirst().content().getFirst();
        assertEquals(ContentPart.Image.ofData("data:image/gif;base64,R0lGODlh", null), part);
    }

    @Test
    void decodedImagesRoundTripInOurForm() {
        JobRequest r = decode("""
                [{"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}},
                 {"type":"image","data":"%s","media_type":"image/png"}]""".formatted(PNG, PNG));
        String json = new String(codec.encode(r), UTF_8);
        assertFalse(json.contains("image_url"), json);
        assertEquals(r, codec.decodeRequest(json.getBytes(UTF_8)));
    }

    @Test
    void videoFramesAndClipsDecodeAndRoundTrip() {
        JobRequest r = decode("""
                [{"type":"video","max_frames":8,"frames":[
                   {"data":"%s","media_type":"image/png","timestamp":0},
                   {"url":"data:image/png;base64,%s","timestamp":0.5},
                   {"url":"https://example.com/f2.png","timestamp":1.5}]},
                 {"type":"video","data":"R0lGODlh","media_type":"image/gif"},
                 {"type":"text","text":"what happens?"}]""".formatted(PNG, PNG));
        List<ContentPart> parts = r.messages().getFirst().content();
        ContentPart.Video frames = (ContentPart.Video) parts.get(0);
        assertEquals(8, frames.maxFrames());
        assertNull(frames.data());
        assertEquals(List.of(VideoFrame.ofData(PNG, "image/png", 0),
                VideoFrame.ofData("data:image/png;base64," + PNG, null, 0.5),
                new VideoFrame("https://example.com/f2.png", null, null, 1.5)), frames.frames());
        assertEquals(ContentPart.Video.ofClip("R0lGODlh", "image/gif", null), parts.get(1));
        assertTrue(r.hasImage(), "video jobs route like image jobs");
        assertEquals("gemma.jobs.image", FleetTopics.defaults().jobTopicFor(r));
        assertEquals(r, codec.decodeRequest(codec.encode(r)));
    }

    @Test
    void panAndScanIsOptionalAndRoundTrips() {
        JobRequest plain = JobRequest.chat("j", "hi", null);
        assertNull(plain.panAndScan());
        assertFalse(new String(codec.encode(plain), UTF_8).contains("pan_and_scan"));
        JobRequest on = plain.withPanAndScan(true).withPriority(1).withTruncate(Truncation.LEFT);
        assertEquals(Boolean.TRUE, on.panAndScan(), "other with-ers keep it");
        String json = new String(codec.encode(on), UTF_8);
        assertTrue(json.contains("\"pan_and_scan\":true"), json);
        assertEquals(on, codec.decodeRequest(json.getBytes(UTF_8)));
        assertEquals("$.pan_and_scan", assertThrows(JobValidationException.class, () -> codec.decodeRequest("""
                {"schema_version":1,"job_id":"j","prompt":"p","pan_and_scan":"yes"}""".getBytes(UTF_8)))
                .violations().getFirst().field());
    }

    @Test
    void badInlineDataNamesItsField() {
        assertField("$.messages[0].content[0].data", reject("[{\"type\":\"image\",\"data\":\"not*base64\"}]"));
        assertField("$.messages[0].content[0].image_url.url",
                reject("[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,raw\"}}]"));
        assertField("$.messages[0].content[0].frames[1].url", reject("""
                [{"type":"video","frames":[{"data":"%s","timestamp":0},
                                           {"url":"data:image/png;base64","timestamp":1}]}]"""
                .formatted(PNG)));
        assertField("$.messages[0].content[0].data", reject("[{\"type\":\"video\",\"data\":\"R0lGOD!h\"}]"));
    }

    @Test
    void malformedMediaPartsAreRefusedByTheSchema() {
        assertField("$.messages[0].content[0]", reject("[{\"type\":\"image\",\"url\":\"https://a/b.png\",\"data\":\""
                + PNG + "\"}]"));
        assertField("$.messages[0].content[0]", reject("[{\"type\":\"image_url\",\"url\":\"https://a/b.png\"}]"));
        assertField("$.messages[0].content[0].image_url", reject("[{\"type\":\"image_url\",\"image_url\":{}}]"));
        assertField("$.messages[0].content[0]", reject("[{\"type\":\"video\",\"max_frames\":4}]"));
        assertField("$.messages[0].content[0]", reject("[{\"type\":\"video\",\"data\":\"R0lGODlh\",\"frames\":[{"
                + "\"data\":\"" + PNG + "\",\"timestamp\":0}]}]"));
        assertField("$.messages[0].content[0].frames[0]", reject("[{\"type\":\"video\",\"frames\":[{\"data\":\""
                + PNG + "\"}]}]"));
        assertField("$.messages[0].content[0].frames[0].timestamp", reject("[{\"type\":\"video\",\"frames\":[{"
                + "\"data\":\"" + PNG + "\",\"timestamp\":-1}]}]"));
        assertField("$.messages[0].content[0].max_frames", reject("[{\"type\":\"video\",\"data\":\"R0lGODlh\","
                + "\"max_frames\":0}]"));
        assertField("$.messages[0].content[0].type", reject("[{\"type\":\"audio\",\"data\":\"AAAA\"}]"));
    }

    @Test
    void theFirstViolationIsThePreciseOneInPlainWords() {
        Violation both = reject("[{\"type\":\"image\",\"url\":\"https://a/b.png\",\"data\":\"" + PNG + "\"}]")
                .getFirst();
        assertEquals(new Violation("$.messages[0].content[0]", "give only one of url, data [not]"), both);
        assertEquals("$.messages[0].content[0].frames[0]", reject("[{\"type\":\"video\",\"frames\":[{\"data\":\""
                + PNG + "\"}]}]").getFirst().field(), "not the content's vague oneOf");
    }

    @Test
    void framesOutOfTimeOrderAreRefused() {
        List<Violation> v = reject("""
                [{"type":"video","frames":[{"data":"%s","timestamp":2},{"data":"%s","timestamp":1}]}]"""
                .formatted(PNG, PNG));
        assertField("$.messages[0].content[0].frames[1].timestamp", v);
        assertTrue(v.getFirst().message().contains("time order"), v.toString());
        decode("[{\"type\":\"video\",\"frames\":[{\"data\":\"%s\",\"timestamp\":1},{\"data\":\"%s\",\"timestamp\":1}]}]"
                .formatted(PNG, PNG)); // equal times are in order
    }

    @Test
    void payloadsAreFoundWithTheirPathsAndAUrlCanBeReplacedByData() throws Exception {
        ObjectNode tree = (ObjectNode) codec.mapper().readTree("""
                {"messages":[{"role":"user","content":[
                  {"type":"text","text":"x"},
                  {"type":"image","url":"https://a/1.png"},
                  {"type":"image_url","image_url":{"url":"https://a/2.png"}},
                  {"type":"video","data":"R0lGODlh","media_type":"image/gif"},
                  {"type":"video","frames":[{"url":"https://a/3.png","media_type":"image/png","timestamp":0}]}]}]}""");
        List<MediaPayloads.Payload> p = MediaPayloads.of(tree);
        assertEquals(List.of("$.messages[0].content[1].url", "$.messages[0].content[2].image_url.url",
                "$.messages[0].content[3].data", "$.messages[0].content[4].frames[0].url"),
                p.stream().map(MediaPayloads.Payload::path).toList());
        assertEquals(List.of(MediaPayloads.Kind.IMAGE, MediaPayloads.Kind.IMAGE, MediaPayloads.Kind.VIDEO_CLIP,
                MediaPayloads.Kind.VIDEO_FRAME), p.stream().map(MediaPayloads.Payload::kind).toList());
        assertEquals(List.of(false, false, true, false), p.stream().map(MediaPayloads.Payload::inline).toList());
        byte[] png = java.util.Base64.getDecoder().decode(PNG);
        p.get(0).replaceWithData(png, "image/png");
        p.get(1).replaceWithData(png, "image/png");
        p.get(3).replaceWithData(png, "image/jpeg");
        tree.put("schema_version", 1).put("job_id", "j");
        List<ContentPart> parts = codec.decodeRequest(codec.mapper().writeValueAsBytes(tree)).messages().getFirst()
                .content();
        assertEquals(ContentPart.Image.ofData(PNG, "image/png"), parts.get(1));
        assertEquals(ContentPart.Image.ofData("data:image/png;base64," + PNG, null), parts.get(2));
        assertEquals(List.of(VideoFrame.ofData(PNG, "image/jpeg", 0)), ((ContentPart.Video) parts.get(4)).frames(),
                "the fetched type replaces the declared one");
    }
}
