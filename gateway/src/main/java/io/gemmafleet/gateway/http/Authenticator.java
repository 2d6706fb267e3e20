package io.gemmafleet.gateway.http;

import io.gemmafleet.gateway.auth.ApiKeys;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/**
 * Finds who is calling: the key from {@code Authorization: Bearer KEY} or {@code X-API-Key: KEY}, resolved to its
 * name. With no keys configured every caller is {@link ApiKeys#ANONYMOUS}. The presented key is never kept or
 * logged, not even when it is wrong.
 */
final class Authenticator {

    private static final io.helidon.http.HeaderName X_API_KEY = io.helidon.http.HeaderNames.create("X-API-Key");
    private final ApiKeys keys;

    Authenticator(ApiKeys keys) {
        this.keys = keys;
    }

    /** The caller's owner name, or empty when keys are required and none valid was presented. */
    Optional<String> owner(ServerRequest req) {
        if (!keys.enabled()) {
            return Optional.of(ApiKeys.ANONYMOUS);
        }
        Optional<String> bearer = req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).strip());
        return keys.owner(bearer.or(() -> req.headers().first(X_API_KEY)).orElse(null));
    }
}
