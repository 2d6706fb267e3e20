package io.gemmafleet.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** One case of the reference outputs written by {@code worker/reference/gemma3_preprocess.py} (its manifest.json). */
record ReferenceCase(String name, String file, int width, int height, List<Integer> sizes, int crops, Path dir) {

    static final Path IMAGES = Path.of("src/test/resources/media");
    static final Path COMMITTED = IMAGES.resolve("reference");

    static List<ReferenceCase> load(Path dir) throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        List<ReferenceCase> cases = new ArrayList<>();
        for (JsonNode c : manifest.get("cases")) {
            List<Integer> sizes = new ArrayList<>();
            c.get("sizes").forEach(s -> sizes.add(s.asInt()));
            cases.add(new ReferenceCase(c.get("name").asText(), c.get("file").asText(), c.get("width").asInt(),
                    c.get("height").asInt(), sizes, c.get("crops").size(), dir));
        }
        return cases;
    }

    byte[] encoded() throws IOException {
        return Files.readAllBytes(IMAGES.resolve(file));
    }

    /** The decoded RGB bytes, when stored raw (small images). */
    boolean hasRawRgb() {
        return Files.exists(dir.resolve(name + ".rgb"));
    }

    byte[] rawRgb() throws IOException {
        return Files.readAllBytes(dir.resolve(name + ".rgb"));
    }

    String rgbSha256() throws IOException {
        return Files.readString(dir.resolve(name + ".rgb.sha256")).strip();
    }

    /** The reference pixel values of the base image (label "") or crop i (label ".pas" + i), or null if hashed. */
    float[] pixelValues(String label, int size) throws IOException {
        Path f = dir.resolve(name + label + "." + size + ".f32");
        if (!Files.exists(f)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    String pixelValuesSha256(String label, int size) throws IOException {
        return Files.readString(dir.resolve(name + label + "." + size + ".sha256")).strip();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return sha256(b.array());
    }

    @Override
    public String toString() {
        return name + " (" + file + ")";
    }
}
