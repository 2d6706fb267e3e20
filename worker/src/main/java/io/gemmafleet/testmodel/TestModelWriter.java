package io.gemmafleet.testmodel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Writes random-weight Gemma 3 test models. The same seed gives the same model in every format: GGUF (a file, as
 * llama.cpp's converter lays it out) and Hugging Face safetensors (a folder), so loaders and forward passes can be
 * checked against each other and against llama.cpp. Files are written streaming; no model is held in the heap.
 */
public final class TestModelWriter {

    /** Shards of the Hugging Face form stay under this size unless told otherwise (as transformers' default 5 GB). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    /**
     * What was written: the file or folder, its size on disk (with the mmproj file), how many weights it has (vision
     * tower included), and the mmproj file written beside a GGUF multimodal model (null otherwise).
     */
    public record WrittenModel(Path path, long bytes, long parameters, Path mmproj) {
        public WrittenModel(Path path, long bytes, long parameters) {
            this(path, bytes, parameters, null);
        }
    }

    /** Embedding rows of the published multimodal checkpoints (262144 tokens + 64 for <image_soft_token> and spares). */
    public static final int MULTIMODAL_VOCAB_ROWS = 262208;

    private final TestModelTokenizer tokenizer;
    private final long maxShardBytes;

    public TestModelWriter(TestModelTokenizer tokenizer, long maxShardBytes) {
        this.tokenizer = tokenizer;
        this.maxShardBytes = maxShardBytes;
    }

    /**
     * Writes a model with the tokenizer found by {@link TestModelTokenizer#locateDefault()} and 5 GB shards.
     *
     * @param out the {@code .gguf} file for {@link TestModelFormat#GGUF}, the folder for {@code SAFETENSORS}
     */
    public static WrittenModel write(Path out, TestModelFormat format, TestModelShape shape, TestModelDtype dtype,
                                     long seed) throws IOException {
        return new TestModelWriter(TestModelTokenizer.locateDefault(), DEFAULT_MAX_SHARD_BYTES)
                .writeModel(out, format, shape, dtype, seed);
    }

    public WrittenModel writeModel(Path out, TestModelFormat format, TestModelShape shape, TestModelDtype dtype,
                                   long seed) throws IOException {
        return writeModel(out, format, shape, dtype, seed, null, TestMmprojDtype.beside(dtype));
    }

    /**
     * A multimodal model when {@code vision} is not null: a {@code Gemma3ForConditionalGeneration} folder with the
     * tower's tensors, or the GGUF text model plus {@code mmproj-NAME.gguf} beside it (in {@code mmprojDtype}), as
     * llama.cpp's converter writes them. Either way the embedding has the multimodal models' 262208 rows.
     */
    public WrittenModel writeModel(Path out, TestModelFormat format, TestModelShape shape, TestModelDtype dtype,
                                   long seed, TestVisionShape vision, TestMmprojDtype mmprojDtype) throws IOException {
        if (vision != null) {
            shape = shape.withConditionalGeneration(true).withVocabRows(MULTIMODAL_VOCAB_ROWS);
        }
        if (format == TestModelFormat.SAFETENSORS && !dtype.fitsSafetensors()) {
            throw new IllegalArgumentException("safetensors test models hold f32 or bf16 weights; "
                    + dtype.name().toLowerCase() + " is GGUF-only");
        }
        switch (format) {
            case GGUF -> {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                GgufTestModelWriter.write(out, shape, dtype, seed, tokenizer);
                if (vision != null) {
                    Path mmproj = MmprojTestModelWriter.besides(out);
                    MmprojTestModelWriter.write(mmproj, vision, shape.hidden(), mmprojDtype, seed, dtype == TestModelDtype.BF16);
                    return new WrittenModel(out, sizeOnDisk(out) + sizeOnDisk(mmproj),
                            shape.parameterCount() + vision.parameterCount(shape.hidden()), mmproj);
                }
            }
            case SAFETENSORS -> SafetensorsTestModelWriter.write(out, shape, dtype, seed, tokenizer, maxShardBytes, vision);
        }
        long parameters = shape.parameterCount() + (vision == null ? 0 : vision.parameterCount(shape.hidden()));
        return new WrittenModel(out, sizeOnDisk(out), parameters);
    }

    private static long sizeOnDisk(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return Files.size(p);
        }
        try (Stream<Path> files = Files.walk(p)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
