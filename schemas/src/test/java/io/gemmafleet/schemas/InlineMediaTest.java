package io.gemmafleet.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class InlineMediaTest {

    /** Bytes that use every base64 alphabet position that differs between the standard and URL-safe forms. */
    private static final byte[] BYTES = {(byte) 0x89, 'P', 'N', 'G', (byte) 0xfb, (byte) 0xff, (byte) 0xfe, 0, 1};

    private static String message(String data) {
        return assertThrows(IllegalArgumentException.class, () -> InlineMedia.decode(data, null)).getMessage();
    }

    @Test
    void plainBase64KeepsTheDeclaredType() {
        InlineMedia m = InlineMedia.decode(Base64.getEncoder().encodeToString(BYTES), "Image/PNG");
        assertArrayEquals(BYTES, m.bytes());
        assertEquals("image/png", m.mediaType());
        assertNull(InlineMedia.decode(Base64.getEncoder().encodeToString(BYTES), null).mediaType());
    }

    @Test
    void urlSafeUnpaddedAndWrappedBase64Decode() {
        String standard = Base64.getEncoder().encodeToString(BYTES);
        assertTrue(standard.contains("+") || standard.contains("/"), standard); // the test means something
        assertArrayEquals(BYTES, InlineMedia.decode(Base64.getUrlEncoder().withoutPadding().encodeToString(BYTES),
                null).bytes());
        assertArrayEquals(BYTES, InlineMedia.decode(standard.substring(0, 4) + "\r\n" + standard.substring(4), null)
                .bytes());
    }

    @Test
    void dataUriNamesItsOwnTypeOverTheDeclaredOne() {
        String b64 = Base64.getEncoder().encodeToString(BYTES);
        InlineMedia m = InlineMedia.decode("data:image/webp;base64," + b64, "image/png");
        assertArrayEquals(BYTES, m.bytes());
        assertEquals("image/webp", m.mediaType());
        assertEquals("image/gif", InlineMedia.decode("DATA:image/GIF;name=a.gif;BASE64," + b64, null).mediaType());
        assertEquals("image/jpeg", InlineMedia.decode("data:;base64," + b64, "image/jpeg").mediaType(),
                "a data URI without a type falls back to the declared one");
        assertTrue(InlineMedia.isDataUri("Data:x"));
        assertFalse(InlineMedia.isDataUri("https://example.com/a.png"));
    }

    @Test
    void badBase64NamesTheOffendingCharacterWithoutEchoingThePayload() {
        String msg = message("iVBORw0K%%Go=");
        assertTrue(msg.startsWith("not valid base64: character '%' at offset 8"), msg);
        assertTrue(message("iVBORw0KG").contains("length 9"), "one character too many");
        assertTrue(message("iVBO\u00e9w0K").contains("U+00E9"));
    }

    @Test
    void malformedDataUrisAreRefused() {
        assertTrue(message("data:image/png;base64").contains("no ','"));
        assertTrue(message("data:image/svg+xml,<svg/>").contains("must be base64"));
        assertTrue(message("data:not a type;base64,AAAA").contains("is not a media type"));
        assertTrue(message("data:image/png;base64,").contains("empty"));
        assertTrue(message("").contains("empty"));
        assertTrue(message("data:image/png;base64,AA*A").startsWith("not valid base64"));
    }
}
