package io.gemmafleet.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.gateway.media.ImageUrlPolicy;
import io.gemmafleet.gateway.media.MediaLimits;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The gateway's image options become its configuration; defaults fetch nothing. */
class GatewayCommandTest {

    private static GatewayConfig parse(String... args) throws Exception {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(args);
        return command.config();
    }

    @Test
    void defaultsFetchNoUrlAndTakeTheTopicsMessageLimit() throws Exception {
        GatewayConfig c = parse("--bootstrap", "localhost:9092");
        assertEquals(MediaLimits.DEFAULTS, c.media());
        assertTrue(c.imageUrls().allow().isEmpty());
        assertEquals(ImageUrlPolicy.NONE.timeout(), c.imageUrls().timeout());
        assertNull(c.maxRequestBytes());
        assertEquals(c.topics().maxMessageBytes(), c.effectiveMaxRequestBytes());
    }

    @Test
    void imageOptionsAreRead() throws Exception {
        GatewayConfig c = parse("--bootstrap", "k:9092",
                "--image-url-allow", "img.example.com,https://cdn.example.com/p/",
                "--image-url-allow", "*.example.org", "--max-image-bytes", "1000", "--max-images", "3",
                "--max-request-bytes", "65536", "--image-fetch-timeout", "PT2S");
        assertEquals(new MediaLimits(1000, 3), c.media());
        assertEquals(List.of("img.example.com", "https://cdn.example.com/p/", "*.example.org"),
                c.imageUrls().allow().entries());
        assertEquals(Optional.empty(), c.imageUrls().allow().refusal("https://a.example.org/x.png"));
        assertEquals(Duration.ofSeconds(2), c.imageUrls().timeout());
        assertEquals(65536, c.effectiveMaxRequestBytes());
    }

    @Test
    void aBadAllowListEntryFailsAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--bootstrap", "k:9092", "--image-url-allow", "ftp://files.example.com/"));
        assertTrue(e.getMessage().contains("ftp://files.example.com/"), e.getMessage());
    }
}
