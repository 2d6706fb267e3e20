package io.gemmafleet.gateway.media;

import java.time.Duration;
import java.util.List;

/**
 * Whether and how the gateway fetches image URLs for clients: only those its allow-list admits (none by default),
 * each fetch including its redirects within {@code timeout}.
 */
public record ImageUrlPolicy(UrlAllowList allow, Duration timeout, int maxRedirects) {

    /** No URL is fetched; a job with one is refused. */
    public static final ImageUrlPolicy NONE = new ImageUrlPolicy(UrlAllowList.parse(List.of()),
            Duration.ofSeconds(10), 3);

    public ImageUrlPolicy {
        if (timeout.isNegative() || timeout.isZero() || maxRedirects < 0) {
            throw new IllegalArgumentException("image fetch timeout must be > 0 and max redirects >= 0");
        }
    }

    public ImageUrlPolicy withAllow(UrlAllowList a) {
        return new ImageUrlPolicy(a, timeout, maxRedirects);
    }

    public ImageUrlPolicy withTimeout(Duration t) {
        return new ImageUrlPolicy(allow, t, maxRedirects);
    }
}
