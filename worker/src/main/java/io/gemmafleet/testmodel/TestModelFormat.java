package io.gemmafleet.testmodel;

/** The checkpoint layout a test model is written in. */
public enum TestModelFormat {
    /** One {@code .gguf} file laid out as llama.cpp's converter writes {@code gemma3}. */
    GGUF,
    /** A Hugging Face folder: config.json, safetensors (sharded when large), tokenizer files. */
    SAFETENSORS
}
