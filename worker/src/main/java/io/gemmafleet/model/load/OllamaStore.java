package io.gemmafleet.model.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Resolves {@code ollama:NAME[:TAG]} references to the GGUF blob in a local Ollama model store
 * ({@code $OLLAMA_MODELS}, else {@code ~/.ollama/models}): manifest at
 * {@code manifests/registry.ollama.ai/library/NAME/TAG} (or {@code manifests/registry.ollama.ai/NS/NAME/TAG},
 * {@code manifests/HOST/NS/NAME/TAG} for slashed names), whose {@code application/vnd.ollama.image.model} layer
 * digest {@code sha256:HEX} names the blob {@code blobs/sha256-HEX}.
 */
public final class OllamaStore {

    public static final String PREFIX = "ollama:";
    private static final String DEFAULT_HOST = "registry.ollama.ai";
    private static final String MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model";
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern DIGEST = Pattern.compile("sha256:([0-9a-f]{64})");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;

    /** A store rooted at {@code root} (the folder holding {@code manifests/} and {@code blobs/}). */
    public OllamaStore(Path root) {
        this.root = root;
    }

    /** The store Ollama itself uses: {@code $OLLAMA_MODELS}, else {@code ~/.ollama/models}. */
    public static OllamaStore fromEnvironment() {
        String env = System.getenv("OLLAMA_MODELS");
        return new OllamaStore(env != null && !env.isBlank()
                ? Path.of(env) : Path.of(System.getProperty("user.home"), ".ollama", "models"));
    }

    public Path root() {
        return root;
    }

    /** The blob file for {@code ref} ({@code ollama:NAME[:TAG]}, default tag {@code latest}). */
    public Path resolve(String ref) {
        String spec = ref.startsWith(PREFIX) ? ref.substring(PREFIX.length()) : ref;
        int slash = spec.lastIndexOf('/');
        int colon = spec.lastIndexOf(':');
        String name = colon > slash ? spec.substring(0, colon) : spec;
        String tag = colon > slash ? spec.substring(colon + 1) : "latest";
        String[] parts = name.split("/", -1);
        Path refPath = Path.of(ref);
        if (parts.length > 3 || !COMPONENT.matcher(tag).matches()) {
            throw new ModelLoadException(refPath, "malformed ollama reference (expected ollama:NAME[:TAG])");
        }
        for (String p : parts) {
            if (!COMPONENT.matcher(p).matches()) {
                throw new ModelLoadException(refPath, "malformed ollama reference (expected ollama:NAME[:TAG])");
            }
        }
        Path manifests = root.resolve("manifests");
        Path manifest = switch (parts.length) {
            case 1 -> manifests.resolve(DEFAULT_HOST).resolve("library").resolve(parts[0]);
            case 2 -> manifests.resolve(DEFAULT_HOST).resolve(parts[0]).resolve(parts[1]);
            default -> manifests.resolve(parts[0]).resolve(parts[1]).resolve(parts[2]);
        };
        manifest = manifest.resolve(tag);
        if (!Files.isRegularFile(manifest)) {
            throw new ModelLoadException(manifest, "no Ollama manifest for " + name + ":" + tag
                    + " (not pulled into " + root + "?)");
        }
        JsonNode json;
        try {
            json = JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(manifest, "malformed Ollama manifest JSON");
        }
        for (JsonNode layer : json.path("layers")) {
            if (MODEL_MEDIA_TYPE.equals(layer.path("mediaType").asText())) {
                var m = DIGEST.matcher(layer.path("digest").asText());
                if (!m.matches()) {
                    throw new ModelLoadException(manifest, "model layer has a malformed digest '"
                            + layer.path("digest").asText() + "'");
                }
                Path blob = root.resolve("blobs").resolve("sha256-" + m.group(1));
                if (!Files.isRegularFile(blob)) {
                    throw new ModelLoadException(blob, "model blob named by " + manifest + " is missing");
                }
                return blob;
            }
        }
        throw new ModelLoadException(manifest, "Ollama manifest has no " + MODEL_MEDIA_TYPE + " layer");
    }
}
