package io.gemmafleet.testmodel;

import io.gemmafleet.model.tensor.GgmlType;

/** The storage type of a test model's matrices (GGUF norm vectors are always F32, as llama.cpp writes them). */
public enum TestModelDtype {
    F32(GgmlType.F32, 0),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    Q4_0(GgmlType.Q4_0, 2);

    private final GgmlType type;
    private final int ggufFileType;

    TestModelDtype(GgmlType type, int ggufFileType) {
        this.type = type;
        this.ggufFileType = ggufFileType;
    }

    public GgmlType type() {
        return type;
    }

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE_ALL_F32, MOSTLY_BF16, MOSTLY_Q8_0, MOSTLY_Q4_0). */
    public int ggufFileType() {
        return ggufFileType;
    }

    /** Whether a Hugging Face safetensors checkpoint can hold this type. */
    public boolean fitsSafetensors() {
        return this == F32 || this == BF16;
    }
}
