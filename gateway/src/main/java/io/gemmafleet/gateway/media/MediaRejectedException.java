package io.gemmafleet.gateway.media;

/**
 * A job refused for its images: a URL not allowed or not fetchable, an image too large, too many images. Carries
 * what a problem document needs; messages are safe to show the client (they name its own field and URL only).
 *
 * @see io.gemmafleet.gateway.http.JobRoutes
 */
public final class MediaRejectedException extends Exception {

    private final int status;
    private final String slug;
    private final String title;
    private final String field;
    private final String limit;
    private final Long limitValue;

    private MediaRejectedException(int status, String slug, String title, String detail, String field, String limit,
                                   Long limitValue) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.field = field;
        this.limit = limit;
        this.limitValue = limitValue;
    }

    static MediaRejectedException notAllowed(String field, String detail) {
        return new MediaRejectedException(400, "image-url-not-allowed", "Image URL not allowed", detail, field, null,
                null);
    }

    static MediaRejectedException fetchFailed(String field, String detail) {
        return new MediaRejectedException(400, "image-fetch-failed", "Image URL could not be fetched", detail, field,
                null, null);
    }

    static MediaRejectedException tooLarge(String field, String detail, long limit) {
        return new MediaRejectedException(413, "image-too-large", "Image too large", detail, field, "max-image-bytes",
                limit);
    }

    static MediaRejectedException tooMany(int count, int limit) {
        return new MediaRejectedException(400, "too-many-images", "Too many images",
                "the job has " + count + " images (each video frame and clip counts as one); the limit is " + limit
                        + " (max-images)", "$.messages", "max-images", (long) limit);
    }

    public int status() {
        return status;
    }

    /** The last segment of the problem type URI, e.g. {@code image-url-not-allowed}. */
    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    /** The JSON path of the offending field. */
    public String field() {
        return field;
    }

    /** The limit exceeded, named as its command-line option without the leading dashes (max-images), or null. */
    public String limit() {
        return limit;
    }

    public Long limitValue() {
        return limitValue;
    }
}
