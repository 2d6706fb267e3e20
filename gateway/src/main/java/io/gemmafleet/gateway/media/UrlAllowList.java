package io.gemmafleet.gateway.media;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The image URLs the gateway may fetch. Entries are host patterns ({@code images.example.com}, or
 * {@code *.example.com} for its subdomains), which admit https URLs on any port, or URL prefixes
 * ({@code https://cdn.example.com/public/}), which admit URLs of exactly that scheme, host and port whose path
 * starts with the prefix's path at a segment boundary; a plain-http URL is admitted only by an entry that names
 * {@code http://} itself. Empty = nothing is fetched.
 */
public final class UrlAllowList {

    private record Entry(String scheme, String host, boolean subdomains, int port, String path) {}

    private final List<Entry> entries;
    private final List<String> written;

    private UrlAllowList(List<Entry> entries, List<String> written) {
        this.entries = entries;
        this.written = written;
    }

    /** @throws IllegalArgumentException naming an entry that is neither a host pattern nor an http(s) URL prefix */
    public static UrlAllowList parse(List<String> patterns) {
        List<Entry> entries = new ArrayList<>();
        List<String> written = new ArrayList<>();
        for (String raw : patterns) {
            String p = raw.strip();
            if (p.isEmpty()) {
                continue;
            }
            entries.add(p.contains("://") ? prefix(p) : host(p));
            written.add(p);
        }
        return new UrlAllowList(List.copyOf(entries), List.copyOf(written));
    }

    private static Entry host(String p) {
        String h = p.toLowerCase(Locale.ROOT);
        boolean sub = h.startsWith("*.");
        String name = sub ? h.substring(2) : h;
        if (name.isEmpty() || !name.matches("[a-z0-9.-]+|\\[[0-9a-f:.]+]") || name.contains("*")) {
            throw new IllegalArgumentException("image URL allow-list entry '" + p
                    + "' is neither a host (a.example.com, *.example.com) nor a URL prefix (https://host/path/)");
        }
        return new Entry("https", name, sub, -1, "/");
    }

    private static Entry prefix(String p) {
        URI u;
        try {
            u = new URI(p).normalize();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("image URL allow-list entry '" + p + "' is not a URL: " + e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null || u.getUserInfo() != null
                || u.getQuery() != null || u.getFragment() != null) {
            throw new IllegalArgumentException("image URL allow-list entry '" + p
                    + "' must be an http(s) URL prefix with a host and no user, query or fragment");
        }
        String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
        return new Entry(scheme, u.getHost().toLowerCase(Locale.ROOT), false, port(scheme, u.getPort()), path);
    }

    private static int port(String scheme, int port) {
        return port != -1 ? port : scheme.equals("https") ? 443 : 80;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries as configured, for logs. */
    public List<String> entries() {
        return written;
    }

    /** Why {@code url} may not be fetched, or empty when it may; the reason is safe to show the client. */
    public Optional<String> refusal(String url) {
        if (entries.isEmpty()) {
            return Optional.of("this gateway fetches no image URLs (no --image-url-allow configured); send the image"
                    + " inline as base64 \"data\" or a data URI");
        }
        URI u;
        try {
            u = new URI(url).normalize();
        } catch (URISyntaxException e) {
            return Optional.of("'" + clip(url) + "' is not a valid URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
            return Optional.of("'" + clip(url) + "' is not an absolute http(s) URL");
        }
        if (u.getUserInfo() != null) {
            return Optional.of("'" + clip(url) + "' carries user credentials; they are never sent");
        }
        String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
        if (path.startsWith("/..") || path.contains("/../") || path.endsWith("/..")) {
            return Optional.of("'" + clip(url) + "' climbs above its root ('..')");
        }
        String host = u.getHost().toLowerCase(Locale.ROOT);
        int port = port(scheme, u.getPort());
        for (Entry e : entries) {
            if (matches(e, scheme, host, port, path)) {
                return Optional.empty();
            }
        }
        return Optional.of("'" + clip(url) + "' is not on this gateway's image URL allow-list"
                + (scheme.equals("http") ? " (plain http is fetched only under an entry that names http://)" : ""));
    }

    private static boolean matches(Entry e, String scheme, String host, int port, String path) {
        if (!e.scheme.equals(scheme)) {
            return false;
        }
        boolean hostOk = e.subdomains ? host.endsWith("." + e.host) : host.equals(e.host);
        if (!hostOk || (e.port != -1 && e.port != port)) {
            return false;
        }
        String dir = e.path.endsWith("/") ? e.path : e.path + "/";
        return path.equals(e.path) || path.startsWith(dir);
    }

    static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
