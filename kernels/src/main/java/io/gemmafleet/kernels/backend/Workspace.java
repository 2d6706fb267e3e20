package io.gemmafleet.kernels.backend;

import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaDevice.Purpose;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import io.gemmafleet.kernels.ops.KernelLibrary;
import io.gemmafleet.model.Gemma3Config;

/**
 * The device activations of one forward step, sized for a token count and a number of logit rows; regrown (to
 * at least double) when a step needs more, so a steady decode loop allocates nothing.
 */
final class Workspace implements AutoCloseable {

    private final CudaDevice device;
    private final Gemma3Config config;
    private int tokenCapacity;
    private int rowCapacity;
    private int stepInputCapacity;
    private int generation;

    DeviceBuffer residual;       // [T, hidden]
    DeviceBuffer normed;         // [T, hidden]
    DeviceBuffer qkv;            // [T, (Hq + 2 Hk) D]
    DeviceBuffer queries;        // [T, Hq D]
    DeviceBuffer attention;      // [T, Hq D]
    DeviceBuffer projected;      // [T, hidden]
    DeviceBuffer gateUp;         // [T, 2 ffn]
    DeviceBuffer activated;      // [T, ffn]
    DeviceBuffer scratch;        // attention partials
    DeviceBuffer stepInputs;     // int: tokens [T] | positions [T] | slots [T] | token sequence [T] | logit rows [R] | block tables [S, width]
    DeviceBuffer finalNormed;    // [R, hidden]
    DeviceBuffer logits;         // [R, vocab]
    DeviceBuffer chosen;         // int [R]
    DeviceBuffer choices;        // int [5, R]: temperature, top_k, top_p, min_p, uniform (floats as bits)

    Workspace(CudaDevice device, Gemma3Config config) {
        this.device = device;
        this.config = config;
    }

    /** Makes room for a step of {@code tokens} tokens, {@code rows} logit rows and {@code inputInts} input ints. */
    void ensure(int tokens, int rows, int inputInts) {
        if (tokens > tokenCapacity) {
            growTokens(Math.max(tokens, 2 * tokenCapacity));
        }
        if (rows > rowCapacity) {
            growRows(Math.max(rows, 2 * rowCapacity));
        }
        if (inputInts > stepInputCapacity) {
            stepInputCapacity = Math.max(inputInts, 2 * stepInputCapacity);
            stepInputs = replace(stepInputs, (long) stepInputCapacity * 4, "step inputs");
        }
    }

    private void growTokens(int t) {
        int hidden = config.hiddenSize();
        int qDim = config.queryDim();
        int qkvDim = qDim + 2 * config.kvDim();
        int ffn = config.ffnSize();
        residual = replace(residual, 4L * t * hidden, "residual");
        normed = replace(normed, 4L * t * hidden, "normed");
        qkv = replace(qkv, 4L * t * qkvDim, "qkv");
        queries = replace(queries, 4L * t * qDim, "queries");
        attention = replace(attention, 4L * t * qDim, "attention");
        projected = replace(projected, 4L * t * hidden, "projected");
        gateUp = replace(gateUp, 8L * t * ffn, "gate_up");
        activated = replace(activated, 4L * t * ffn, "activated");
        tokenCapacity = t;
    }

    /** Makes room for attention partials of {@code tokens} rows split into {@code chunks}. */
    void ensureScratch(int tokens, int chunks) {
        long bytes = 4L * KernelLibrary.attentionScratchFloats(tokens, config.headCount(), config.headDim(), chunks);
        if (scratch == null || scratch.bytes() < bytes) {
            scratch = replace(scratch, Math.max(bytes, scratch == null ? 0 : 2 * scratch.bytes()), "attention partials");
        }
    }

    private void growRows(int r) {
        finalNormed = replace(finalNormed, 4L * r * config.hiddenSize(), "final normed");
        logits = replace(logits, 4L * r * config.vocabSize(), "logits");
        chosen = replace(chosen, 4L * r, "chosen tokens");
        choices = replace(choices, 20L * r, "sampling choices");
        rowCapacity = r;
    }

    /** Changes whenever a buffer is reallocated: graphs captured with the old addresses are then stale. */
    int generation() {
        return generation;
    }

    private DeviceBuffer replace(DeviceBuffer old, long bytes, String label) {
        generation++;
        device.free(old, Purpose.ACTIVATIONS);
        return device.allocate(bytes, Purpose.ACTIVATIONS, label);
    }

    @Override
    public void close() {
        for (DeviceBuffer b : new DeviceBuffer[] {residual, normed, qkv, queries, attention, projected, gateUp,
                activated, scratch, stepInputs, finalNormed, logits, chosen, choices}) {
            device.free(b, Purpose.ACTIVATIONS);
        }
        tokenCapacity = 0;
        rowCapacity = 0;
        stepInputCapacity = 0;
    }
}
