package io.gemmafleet.testmodel;

import io.gemmafleet.model.tensor.GgmlType;

/**
 * The storage type of a test model's matrices (GGUF norm vectors are always F32, as llama.cpp writes them).
 *
 * <p>Single types put every matrix, token_embd included, in that type ({@code llama-quantize --pure}). Two mixes
 * copy real files: {@link #Q4_K_M}, what {@code llama-quantize ... Q4_K_M} (and {@code ollama pull}) produces, and
 * {@link #QAT_Q4_0}, the layout of Google's QAT GGUFs (Q4_0 matrices, F16 token_embd).
 */
public enum TestModelDtype {
    F32(GgmlType.F32, 0),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    Q4_0(GgmlType.Q4_0, 2),
    Q4_1(GgmlType.Q4_1, 3),
    Q5_0(GgmlType.Q5_0, 8),
    Q5_1(GgmlType.Q5_1, 9),
    Q4_K(GgmlType.Q4_K, 14),
    Q5_K(GgmlType.Q5_K, 16),
    Q6_K(GgmlType.Q6_K, 18),
    Q4_K_M(GgmlType.Q4_K, 15),
    QAT_Q4_0(GgmlType.Q4_0, 2);

    private final GgmlType type;
    private final int ggufFileType;

    TestModelDtype(GgmlType type, int ggufFileType) {
        this.type = type;
        this.ggufFileType = ggufFileType;
    }

    /** The type of most matrices (all of them, for a single type). */
    public GgmlType type() {
        return type;
    }

    /**
     * llama.cpp's {@code general.file_type} (LLAMA_FTYPE_*: ALL_F32, MOSTLY_BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
     * Q4_K_S, Q5_K_S, Q6_K, Q4_K_M).
     */
    public int ggufFileType() {
        return ggufFileType;
    }

    /** Whether a Hugging Face safetensors checkpoint can hold this type. */
    public boolean fitsSafetensors() {
        return this == F32 || this == BF16;
    }

    /**
     * The type of matrix {@code ggufName} (numpy shape {@code shape}) in a model of {@code layers} layers.
     *
     * <p>Q4_K_M follows llama.cpp's {@code llama_tensor_get_type}: token_embd (Gemma 3 has no separate output
     * matrix, so it is quantized as the output) is Q6_K; attn_v and ffn_down are Q6_K in the "more bits" layers
     * ({@link #useMoreBits}) and Q4_K elsewhere, like every other matrix. A row that is not a multiple of 256 cannot
     * be a K-quant: llama.cpp falls back to Q5_0 for Q4_K and Q8_0 for Q6_K (token_embd of such a model goes
     * straight to Q8_0), and to F16 if even 32 does not divide the row.
     */
    public GgmlType typeOf(String ggufName, long[] shape, int layers) {
        long row = shape[shape.length - 1];
        return switch (this) {
            case QAT_Q4_0 -> ggufName.equals("token_embd.weight") ? GgmlType.F16 : GgmlType.Q4_0;
            case Q4_K_M -> {
                GgmlType wanted = GgmlType.Q4_K;
                if (ggufName.equals("token_embd.weight")) {
                    wanted = row % 256 != 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
                } else if ((ggufName.endsWith(".attn_v.weight") || ggufName.endsWith(".ffn_down.weight"))
                        && useMoreBits(layerOf(ggufName), layers)) {
                    wanted = GgmlType.Q6_K;
                }
                if (row % wanted.blockSize() != 0) {
                    wanted = wanted == GgmlType.Q6_K ? GgmlType.Q8_0 : GgmlType.Q5_0;
                }
                yield row % wanted.blockSize() != 0 ? GgmlType.F16 : wanted;
            }
            default -> type;
        };
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third in between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static int layerOf(String ggufName) {
        // blk.N.…: llama.cpp counts attn_v / ffn_down tensors in layer order, so its counter is the layer index
        int start = "blk.".length();
        return Integer.parseInt(ggufName.substring(start, ggufName.indexOf('.', start)));
    }
}
