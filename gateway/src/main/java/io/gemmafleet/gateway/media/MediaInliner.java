package io.gemmafleet.gateway.media;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.schemas.InlineMedia;
import io.gemmafleet.schemas.MediaPayloads;
import java.util.List;
import java.util.Optional;

/**
 * Applies the gateway's image rules to a job document before it is published: counts its images, checks each
 * inline image's decoded size, and replaces each URL by the bytes fetched from it (when the allow-list admits it),
 * so that workers never fetch anything. Expects a document the codec has validated.
 */
public final class MediaInliner implements AutoCloseable {

    private final MediaLimits limits;
    private final ImageUrlPolicy urls;
    private final ImageFetcher fetcher;

    public MediaInliner(MediaLimits limits, ImageUrlPolicy urls) {
        this.limits = limits;
        this.urls = urls;
        this.fetcher = new ImageFetcher(urls);
    }

    /**
     * Checks and rewrites {@code job} in place; returns whether it changed (a URL was inlined).
     *
     * @throws MediaRejectedException naming the field (and the limit) that refused the job
     */
    public boolean inline(ObjectNode job) throws MediaRejectedException, InterruptedException {
        List<MediaPayloads.Payload> payloads = MediaPayloads.of(job);
        if (payloads.size() > limits.maxImagesPerJob()) {
            throw MediaRejectedException.tooMany(payloads.size(), limits.maxImagesPerJob());
        }
        // Every check that needs no network first: a job refused anyway costs no fetch.
        for (MediaPayloads.Payload p : payloads) {
            if (p.inline()) {
                int size = InlineMedia.decode(p.value(), p.declaredMediaType()).bytes().length;
                if (size > limits.maxImageBytes()) {
                    throw MediaRejectedException.tooLarge(p.path(), "the image decodes to " + size
                            + " bytes; an image may be at most " + limits.maxImageBytes() + " bytes (max-image-bytes)",
                            limits.maxImageBytes());
                }
            } else {
                Optional<String> refusal = urls.allow().refusal(p.value());
                if (refusal.isPresent()) {
                    throw MediaRejectedException.notAllowed(p.path(), refusal.get());
                }
            }
        }
        boolean changed = false;
        for (MediaPayloads.Payload p : payloads) {
            if (!p.inline()) {
                ImageFetcher.Fetched f = fetcher.fetch(p.value(), p.path(), limits.maxImageBytes());
                p.replaceWithData(f.bytes(), f.mediaType());
                changed = true;
            }
        }
        return changed;
    }

    @Override
    public void close() {
        fetcher.close();
    }
}
