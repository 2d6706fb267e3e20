package io.gemmafleet.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Recognising containers by their first bytes, and the media types clients declare for them. */
class VideoContainerTest {

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Optional<VideoContainer> sniff(String latin1) {
        return VideoContainer.sniff(bytes(latin1));
    }

    @Test
    void isoMediaByItsBrand() {
        assertEquals(Optional.of(VideoContainer.MP4), sniff("\0\0\0\u0020ftypisom\0\0\u0002\0"));
        assertEquals(Optional.of(VideoContainer.MP4), sniff("\0\0\0\u0018ftypmp42\0\0\0\0"));
        assertEquals(Optional.of(VideoContainer.MOV), sniff("\0\0\0\u0014ftypqt  \0\0\u0002\0"));
        assertEquals(Optional.of(VideoContainer.MOV), sniff("\0\0\0\u0008wide\0\0\u0010\0mdat"));
        assertEquals(Optional.empty(), sniff("\0\0\0\u001cftypavif\0\0\0\0"), "AVIF is a still image");
        assertEquals(Optional.empty(), sniff("\0\0\0\u0018ftypheic\0\0\0\0"), "HEIC is a still image");
        assertEquals(Optional.empty(), sniff("\0\0\0\u0018ftyp"), "no brand");
    }

    @Test
    void ebmlByItsDocType() {
        assertEquals(Optional.of(VideoContainer.WEBM), sniff("\u001a\u0045\u00df\u00a3\u009f\u0042\u0086\u0081\u0001"
                + "\u0042\u00f7\u0081\u0001\u0042\u00f2\u0081\u0004\u0042\u00f3\u0081\u0008\u0042\u0082\u0084webm"));
        assertEquals(Optional.of(VideoContainer.MKV), sniff("\u001a\u0045\u00df\u00a3\u00a3\u0042\u0082\u0088"
                + "matroska"));
        assertEquals(Optional.of(VideoContainer.MKV), sniff("\u001a\u0045\u00df\u00a3"), "no DocType: Matroska");
    }

    @Test
    void riffAviButNotWebp() {
        assertEquals(Optional.of(VideoContainer.AVI), sniff("RIFF\u0004\u0037\0\0AVI LIST"));
        assertEquals(Optional.empty(), sniff("RIFF\u0004\u0037\0\0WEBPVP8 "));
        assertEquals(Optional.empty(), sniff("GIF89a"));
        assertEquals(Optional.empty(), sniff(""));
    }

    @Test
    void declaredTypes() {
        assertEquals(Optional.of(VideoContainer.MP4), VideoContainer.fromDeclared("Video/MP4; codecs=avc1"));
        assertEquals(Optional.of(VideoContainer.MOV), VideoContainer.fromDeclared("video/quicktime"));
        assertEquals(Optional.of(VideoContainer.MKV), VideoContainer.fromDeclared("video/x-matroska"));
        assertEquals(Optional.of(VideoContainer.AVI), VideoContainer.fromDeclared("video/x-msvideo"));
        assertEquals(Optional.empty(), VideoContainer.fromDeclared("image/gif"));
        assertTrue(VideoContainer.isVideoType(" video/ogg"));
        assertFalse(VideoContainer.isVideoType("image/webp"));
        assertTrue(VideoContainer.MP4.agreesWith(VideoContainer.MOV), "one ISO media family, one demuxer");
        assertFalse(VideoContainer.WEBM.agreesWith(VideoContainer.MP4));
    }
}
