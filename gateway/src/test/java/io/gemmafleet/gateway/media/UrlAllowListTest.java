package io.gemmafleet.gateway.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UrlAllowListTest {

    private static void allowed(UrlAllowList list, String url) {
        assertEquals(Optional.empty(), list.refusal(url), url);
    }

    private static String refused(UrlAllowList list, String url) {
        Optional<String> why = list.refusal(url);
        assertTrue(why.isPresent(), url + " should be refused");
        return why.get();
    }

    @Test
    void anEmptyListRefusesEveryUrlAndSaysHowToSendImages() {
        UrlAllowList none = UrlAllowList.parse(List.of(" ", ""));
        assertTrue(none.isEmpty());
        assertTrue(refused(none, "https://example.com/a.png").contains("--image-url-allow"));
    }

    @Test
    void hostPatternsAdmitHttpsOnAnyPortOnly() {
        UrlAllowList list = UrlAllowList.parse(List.of("images.example.com", "*.cdn.example.org"));
        allowed(list, "https://images.example.com/a.png");
        allowed(list, "HTTPS://Images.Example.COM:8443/a/b.png?size=2");
        allowed(list, "https://eu.cdn.example.org/x.jpg");
        allowed(list, "https://a.b.cdn.example.org/x.jpg");
        assertTrue(refused(list, "http://images.example.com/a.png").contains("http://"), "https only");
        refused(list, "https://cdn.example.org/x.jpg"); // *. is for subdomains, not the domain itself
        refused(list, "https://images.example.com.evil.net/a.png");
        refused(list, "https://evilimages.example.com/a.png");
        refused(list, "https://images.example.com@evil.net/a.png");
        assertTrue(refused(list, "https://user:pw@images.example.com/a.png").contains("credentials"));
        refused(list, "ftp://images.example.com/a.png");
        refused(list, "/relative/a.png");
        refused(list, "https://images.example.com/a b.png");
    }

    @Test
    void urlPrefixesMatchSchemeHostPortAndWholePathSegments() {
        UrlAllowList list = UrlAllowList.parse(List.of("https://cdn.example.com/public/", "http://127.0.0.1:8099/img"));
        allowed(list, "https://cdn.example.com/public/cat.png");
        allowed(list, "https://cdn.example.com:443/public/a/b/c.png");
        refused(list, "https://cdn.example.com/publicity/cat.png");
        refused(list, "https://cdn.example.com/private/cat.png");
        refused(list, "https://cdn.example.com:8443/public/cat.png");
        refused(list, "http://cdn.example.com/public/cat.png");
        assertTrue(refused(list, "https://cdn.example.com/public/%2e%2e/secret.png").contains(".."));
        refused(list, "https://cdn.example.com/public/../secret.png");
        allowed(list, "http://127.0.0.1:8099/img");
        allowed(list, "http://127.0.0.1:8099/img/a.png");
        refused(list, "http://127.0.0.1:8099/img2/a.png");
        refused(list, "http://127.0.0.1:8100/img/a.png");
        refused(list, "http://localhost:8099/img/a.png");
    }

    @Test
    void badEntriesAreRefusedAtStart() {
        for (String bad : List.of("ftp://files.example.com/", "https:///nohost", "https://x.com/?q=1", "exa mple.com",
                "*.*.example.com", "https://u@x.com/")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UrlAllowList.parse(List.of(bad)), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
