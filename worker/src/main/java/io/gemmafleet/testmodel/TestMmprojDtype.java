package io.gemmafleet.testmodel;

/**
 * The {@code --outtype} an mmproj file is converted with. Either way llama.cpp's converter keeps 1-D tensors (norms,
 * biases), the patch and position embeddings in F32 and forces {@code mm.input_projection} to F16; the other
 * matrices get this type.
 */
public enum TestMmprojDtype {
    F32(0),
    F16(1);

    private final int ggufFileType;

    TestMmprojDtype(int ggufFileType) {
        this.ggufFileType = ggufFileType;
    }

    /** llama.cpp's {@code general.file_type} (ALL_F32 or MOSTLY_F16). */
    public int ggufFileType() {
        return ggufFileType;
    }

    /** What llama.cpp's converter writes beside a text model of {@code dtype}: f32 for f32 models, else f16. */
    public static TestMmprojDtype beside(TestModelDtype dtype) {
        return dtype == TestModelDtype.F32 ? F32 : F16;
    }
}
