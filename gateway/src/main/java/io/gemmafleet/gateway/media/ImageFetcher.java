package io.gemmafleet.gateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches one allowed image URL: follows redirects itself so that every hop is checked against the allow-list,
 * stops reading once the body passes the size limit, requires an {@code image/*} content type and bounds the
 * whole fetch, redirects and body included, by the policy's timeout.
 */
public final class ImageFetcher implements AutoCloseable {

    /** Bytes fetched and the content type the server named (parameters dropped, lower case). */
    public record Fetched(byte[] bytes, String mediaType) {}

    private final ImageUrlPolicy policy;
    private final HttpClient client;
    // A fetch runs on its own virtual thread so that a body trickling in slower than the timeout is cut off too.
    private final ExecutorService fetches = Executors.newVirtualThreadPerTaskExecutor();

    public ImageFetcher(ImageUrlPolicy policy) {
        this.policy = policy;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(policy.timeout())
                .build();
    }

    /**
     * @param field the JSON path of the URL, for the problem document
     * @throws MediaRejectedException when a hop is not allowed, the server fails or times out, answers no image,
     *     or sends more than {@code maxBytes}
     */
    public Fetched fetch(String url, String field, long maxBytes) throws MediaRejectedException, InterruptedException {
        Future<Fetched> f = fetches.submit(() -> follow(url, field, maxBytes));
        try {
            return f.get(policy.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw tookTooLong(url, field);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MediaRejectedException m) {
                throw m;
            }
            // The request's own timeout equals the whole fetch's, so either may fire first: one message for both.
            if (e.getCause() instanceof HttpTimeoutException) {
                throw tookTooLong(url, field);
            }
            String why = e.getCause() instanceof IOException io && io.getMessage() != null ? ": " + io.getMessage()
                    : " (" + e.getCause().getClass().getSimpleName() + ")";
            throw MediaRejectedException.fetchFailed(field, "fetching '" + UrlAllowList.clip(url) + "' failed" + why);
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }

    private MediaRejectedException tookTooLong(String url, String field) {
        return MediaRejectedException.fetchFailed(field, "fetching '" + UrlAllowList.clip(url)
                + "' took longer than " + policy.timeout().toMillis() + " ms");
    }

    private Fetched follow(String url, String field, long maxBytes)
            throws MediaRejectedException, IOException, InterruptedException {
        String at = url;
        for (int hop = 0; hop <= policy.maxRedirects(); hop++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(at)).timeout(policy.timeout())
                    .header("Accept", "image/*").GET().build();
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                Optional<String> location = response.headers().firstValue("Location");
                if (status / 100 == 3 && location.isPresent()) {
                    String next = URI.create(at).resolve(location.get()).toString();
                    Optional<String> refusal = policy.allow().refusal(next);
                    if (refusal.isPresent()) {
                        throw MediaRejectedException.notAllowed(field, "'" + UrlAllowList.clip(url)
                                + "' redirects to a URL that is not allowed: " + refusal.get());
                    }
                    at = next;
                    continue;
                }
                if (status != 200) {
                    throw MediaRejectedException.fetchFailed(field, "'" + UrlAllowList.clip(at)
                            + "' answered HTTP " + status);
                }
                String type = mediaType(response);
                if (type == null || !type.startsWith("image/")) {
                    throw MediaRejectedException.fetchFailed(field, "'" + UrlAllowList.clip(at) + "' is "
                            + (type == null ? "of no stated content type" : type) + ", not an image");
                }
                long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > maxBytes) {
                    throw tooLarge(field, url, declared + " bytes", maxBytes);
                }
                byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) {
                    throw tooLarge(field, url, "more than " + maxBytes + " bytes", maxBytes);
                }
                return new Fetched(bytes, type);
            }
        }
        throw MediaRejectedException.fetchFailed(field, "'" + UrlAllowList.clip(url) + "' redirects more than "
                + policy.maxRedirects() + " times");
    }

    private static MediaRejectedException tooLarge(String field, String url, String size, long max) {
        return MediaRejectedException.tooLarge(field, "'" + UrlAllowList.clip(url) + "' is " + size
                + "; an image may be at most " + max + " bytes (max-image-bytes)", max);
    }

    private static String mediaType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type")
                .map(t -> t.split(";", 2)[0].strip().toLowerCase(Locale.ROOT))
                .filter(t -> !t.isEmpty()).orElse(null);
    }

    @Override
    public void close() {
        fetches.shutdownNow();
        client.close();
    }
}
