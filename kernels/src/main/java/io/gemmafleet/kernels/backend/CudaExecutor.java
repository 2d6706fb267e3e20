package io.gemmafleet.kernels.backend;

import io.gemmafleet.backend.ExecutorOutOfMemoryException;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.DeviceOutOfMemoryException;
import io.gemmafleet.kernels.ops.KernelLibrary;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.sampling.TokenChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import jcuda.driver.CUdeviceptr;

/**
 * The Gemma 3 forward pass on a CUDA device: the same steps as the CPU backend's {@code CpuExecutor}, each one a
 * kernel from {@code src/main/cuda}, all queued on the worker's one stream.
 *
 * <p>Like the CPU backend, every token of a step (prefill chunks and decode tokens of many sequences) is stacked
 * into one activation matrix so each weight matrix is streamed once per tile of tokens; only attention looks at
 * sequences separately, through the paged cache's block tables. Not thread-safe: one engine thread drives it.
 */
final class CudaExecutor implements ModelExecutor {

    private final Gemma3Config config;
    private final CudaDevice device;
    private final KernelLibrary kernels;
    private final DeviceModel model;
    private final PagedKvCache cache;
    private final Workspace workspace;
    private final int maxContext;
    private final DecodeGraphs graphs;
    private final AttentionSplit graphSplit;

    /** How attention is cut into key chunks on global and on sliding-window layers. */
    private record AttentionSplit(int globalChunks, int globalLength, int localChunks, int localLength) {

        /** The split for queries that see at most {@code global} keys on global and {@code local} on local layers. */
        static AttentionSplit forVisible(int global, int local) {
            int g = KernelLibrary.attentionChunks(global);
            int l = KernelLibrary.attentionChunks(local);
            return new AttentionSplit(g, KernelLibrary.attentionChunkLength(global, g), l,
                    KernelLibrary.attentionChunkLength(local, l));
        }

        int maxChunks() {
            return Math.max(globalChunks, localChunks);
        }
    }

    CudaExecutor(Gemma3Config config, CudaDevice device, KernelLibrary kernels, DeviceModel model, PagedKvCache cache,
                 int maxContext) {
        this.config = config;
        this.device = device;
        this.kernels = kernels;
        this.model = model;
        this.cache = cache;
        this.workspace = new Workspace(device, config);
        this.maxContext = maxContext;
        this.graphs = Boolean.parseBoolean(System.getProperty("gemmafleet.cuda.graphs", "true"))
                ? new DecodeGraphs(device.stream()) : null;
        this.graphSplit = AttentionSplit.forVisible(maxContext, Math.min(config.slidingWindow(), maxContext));
    }

    @Override
    public Gemma3Config config() {
        return config;
    }

    /** Weight bytes a batch-1 step streams (for bandwidth figures). */
    long weightBytesPerStep() {
        return model.bytesPerStep();
    }

    /**
     * A step that runs out of device memory is reported as the engine's {@link ExecutorOutOfMemoryException}, so
     * the worker steps down its fallback ladder (the jobs are recomputed on the next rung).
     */
    private static <T> T reportingOutOfMemory(Supplier<T> step) {
        try {
            return step.get();
        } catch (DeviceOutOfMemoryException e) {
            throw new ExecutorOutOfMemoryException(e.getMessage(), e);
        }
    }

    @Override
    public float[][] step(StepBatch batch) {
        return reportingOutOfMemory(() -> logitsStep(batch));
    }

    @Override
    public int[] stepGreedy(StepBatch batch) {
        return reportingOutOfMemory(() -> greedyStep(batch));
    }

    @Override
    public int[] stepSample(StepBatch batch, List<TokenChoice> choices) {
        return reportingOutOfMemory(() -> sampleStep(batch, choices));
    }

    private float[][] logitsStep(StepBatch batch) {
        StepInputs in = run(batch);
        List<SequenceStep> steps = batch.steps();
        float[][] result = new float[steps.size()][];
        if (in.logitRowCount() == 0) {
            device.synchronize();
            return result;
        }
        int vocab = config.vocabSize();
        float[] all = new float[in.logitRowCount() * vocab];
        device.copyToHost(all, workspace.logits.pointer(), all.length);
        int row = 0;
        for (int s = 0; s < steps.size(); s++) {
            if (steps.get(s).wantLogits()) {
                result[s] = java.util.Arrays.copyOfRange(all, row * vocab, (row + 1) * vocab);
                row++;
            }
        }
        return result;
    }

    private int[] greedyStep(StepBatch batch) {
        StepInputs in = forwardForChoice(batch);
        if (in.logitRowCount() > 0) {
            kernels.argmax(workspace.chosen.pointer(), workspace.logits.pointer(), in.logitRowCount(),
                    config.vocabSize());
        }
        return chosenPerStep(batch, in, null);
    }

    private int[] sampleStep(StepBatch batch, List<TokenChoice> choices) {
        if (choices.size() != batch.steps().size()) {
            throw new IllegalArgumentException(choices.size() + " choices for " + batch.steps().size() + " steps");
        }
        List<TokenChoice> rowChoices = new ArrayList<>();
        for (int s = 0; s < batch.steps().size(); s++) {
            if (batch.steps().get(s).wantLogits()) {
                rowChoices.add(choices.get(s));
            }
        }
        if (rowChoices.stream().allMatch(TokenChoice::isGreedy)) {
            return greedyStep(batch);
        }
        StepInputs in = forwardForChoice(batch);
        int rows = in.logitRowCount();
        int[] params = new int[5 * rows];
        for (int r = 0; r < rows; r++) {
            TokenChoice c = rowChoices.get(r);
            params[r] = Float.floatToRawIntBits(c.temperature());
            params[rows + r] = c.topK();
            params[2 * rows + r] = Float.floatToRawIntBits(c.topP());
            params[3 * rows + r] = Float.floatToRawIntBits(c.minP());
            params[4 * rows + r] = Float.floatToRawIntBits((float) Math.min(c.uniform(), Math.nextDown(1.0f)));
        }
        device.copyToDevice(workspace.choices.pointer(), params, params.length);
        kernels.sample(workspace.chosen.pointer(), workspace.logits.pointer(), workspace.choices.pointer(), rows,
                config.vocabSize());
        return chosenPerStep(batch, in, rowChoices);
    }

    @Override
    public boolean choosesOnDevice() {
        return true;
    }

    /** Runs the forward pass of a step whose tokens will be chosen on the device (a graph for plain decode). */
    private StepInputs forwardForChoice(StepBatch batch) {
        if (graphs != null && isPlainDecode(batch)) {
            // A decode step of this batch size: replay (capturing on first use) the whole step as one graph.
            StepInputs in = prepare(batch, blocksFor(maxContext), graphSplit);
            graphs.launch(batch.steps().size(), workspace.generation(), () -> forward(in, graphSplit));
            return in;
        }
        return run(batch);
    }

    /**
     * Copies back the chosen ids and spreads them over the steps (-1 where no logits were wanted). A row the
     * device sampler could not finish (-1) is sampled here from its logits with the same rules.
     */
    private int[] chosenPerStep(StepBatch batch, StepInputs in, List<TokenChoice> rowChoices) {
        List<SequenceStep> steps = batch.steps();
        int[] chosen = new int[steps.size()];
        java.util.Arrays.fill(chosen, -1);
        if (in.logitRowCount() == 0) {
            device.synchronize();
            return chosen;
        }
        int[] rows = new int[in.logitRowCount()];
        device.copyToHost(rows, workspace.chosen.pointer(), rows.length);
        int row = 0;
        for (int s = 0; s < steps.size(); s++) {
            if (steps.get(s).wantLogits()) {
                if (rows[row] < 0 && rowChoices != null) {
                    float[] logits = new float[config.vocabSize()];
                    device.copyToHost(logits, workspace.logits.at(4L * row * config.vocabSize()), logits.length);
                    rows[row] = rowChoices.get(row).pick(logits);
                }
                chosen[s] = rows[row++];
            }
        }
        return chosen;
    }

    /** Validates, reserves cache blocks, uploads the step's inputs and queues the whole forward pass. */
    private StepInputs run(StepBatch batch) {
        StepInputs first = prepareInputs(batch, 0);
        AttentionSplit split = AttentionSplit.forVisible(first.maxVisibleGlobal(), first.maxVisibleLocal());
        upload(first, split);
        forward(first, split);
        return first;
    }

    /** Validates, reserves cache blocks and uploads inputs laid out with a fixed table width and split. */
    private StepInputs prepare(StepBatch batch, int tableWidth, AttentionSplit split) {
        StepInputs in = prepareInputs(batch, tableWidth);
        upload(in, split);
        return in;
    }

    private StepInputs prepareInputs(StepBatch batch, int tableWidth) {
        device.makeCurrent();
        validate(batch);
        for (SequenceStep step : batch.steps()) {
            cache.prepare(step.sequenceId(), step.startPosition(), step.tokens().length);
        }
        return StepInputs.of(batch, cache, config.slidingWindow(), tableWidth);
    }

    private void upload(StepInputs in, AttentionSplit split) {
        workspace.ensure(in.tokenCount(), Math.max(1, in.logitRowCount()), in.ints().length);
        workspace.ensureScratch(in.tokenCount(), split.maxChunks());
        device.copyToDevice(workspace.stepInputs.pointer(), in.ints(), in.ints().length);
    }

    /** Whether every step feeds one token and wants its logits: the shape decode graphs serve. */
    private static boolean isPlainDecode(StepBatch batch) {
        for (SequenceStep s : batch.steps()) {
            if (s.tokens().length != 1 || !s.wantLogits()) {
                return false;
            }
        }
        return true;
    }

    private static int blocksFor(int positions) {
        return (positions + KernelLibrary.BLOCK_TOKENS - 1) / KernelLibrary.BLOCK_TOKENS;
    }

    private CUdeviceptr input(StepInputs in, int offset) {
        return workspace.stepInputs.at(4L * offset);
    }

    private void forward(StepInputs in, AttentionSplit split) {
        int t = in.tokenCount();
        int hidden = config.hiddenSize();
        float eps = config.rmsNormEps();
        CUdeviceptr positions = input(in, in.positionsOffset());
        CUdeviceptr slots = input(in, in.slotsOffset());
        CUdeviceptr tokenSequence = input(in, in.tokenSequenceOffset());
        CUdeviceptr blockTables = input(in, in.blockTablesOffset());
        Workspace w = workspace;

        // 1. Embedding: each token's row, scaled by sqrt(hidden); then the first layer's input norm.
        kernels.embed(w.residual.pointer(), model.embedding(), input(in, in.tokensOffset()), t,
                config.embeddingScale());
        kernels.rmsNorm(w.normed.pointer(), w.residual.pointer(), model.layer(0).attentionNorm(), null, t, hidden, eps);

        // 2. The decoder layers.
        for (int l = 0; l < config.layerCount(); l++) {
            DeviceModel.Layer layer = model.layer(l);
            boolean global = config.isGlobal(l);

            // Attention: fused q|k|v projection; per-head norms and rotation, new keys/values into the cache.
            kernels.matmul(w.qkv.pointer(), layer.qkv(), w.normed.pointer(), t);
            kernels.qkNormRopeStore(w.queries.pointer(), w.qkv.pointer(), layer.queryNorm(), layer.keyNorm(),
                    positions, slots, cache.keys(l), cache.values(l), t, config.headCount(), config.kvHeadCount(),
                    config.headDim(), eps, global ? config.ropeBaseGlobal() : config.ropeBaseLocal(),
                    global ? config.ropeLinearScaleGlobal() : 1.0);
            kernels.attention(w.attention.pointer(), w.scratch.pointer(), w.queries.pointer(), cache.keys(l),
                    cache.values(l), positions, tokenSequence, blockTables, in.tableWidth(), t, config.headCount(),
                    config.kvHeadCount(), config.headDim(), config.attentionScale(), global ? 0 : config.slidingWindow(),
                    global ? split.globalChunks() : split.localChunks(),
                    global ? split.globalLength() : split.localLength());
            kernels.matmul(w.projected.pointer(), layer.attentionOutput(), w.attention.pointer(), t);
            // x += post_attention_norm(o); normed = pre_feedforward_norm(x)
            kernels.addRmsNorm(w.residual.pointer(), w.projected.pointer(), layer.postAttentionNorm(),
                    w.normed.pointer(), layer.ffnNorm(), t, hidden, eps);

            // Feed-forward: fused gate|up projection, GeGLU, down projection.
            kernels.matmul(w.gateUp.pointer(), layer.gateUp(), w.normed.pointer(), t);
            kernels.geglu(w.activated.pointer(), w.gateUp.pointer(), t, config.ffnSize());
            kernels.matmul(w.projected.pointer(), layer.down(), w.activated.pointer(), t);
            // x += post_ffw_norm(down); normed = the next layer's input norm of x
            var next = l + 1 < config.layerCount() ? model.layer(l + 1).attentionNorm() : null;
            kernels.addRmsNorm(w.residual.pointer(), w.projected.pointer(), layer.postFfnNorm(), w.normed.pointer(),
                    next, t, hidden, eps);
        }

        // 3. Logits of each step's last token that wants them: final norm, then the tied embedding.
        if (in.logitRowCount() > 0) {
            kernels.rmsNorm(w.finalNormed.pointer(), w.residual.pointer(), model.outputNorm(),
                    input(in, in.logitRowsOffset()), in.logitRowCount(), hidden, eps);
            kernels.matmul(w.logits.pointer(), model.embedding(), w.finalNormed.pointer(), in.logitRowCount());
        }
    }

    /** Rejects a bad batch before any cache block is touched. */
    private void validate(StepBatch batch) {
        int blocksNeeded = 0;
        for (SequenceStep step : batch.steps()) {
            int held = cache.length(step.sequenceId());
            if (step.startPosition() > held) {
                throw new IllegalArgumentException("sequence " + step.sequenceId() + " holds " + held
                        + " positions; a step cannot start at position " + step.startPosition());
            }
            int end = step.startPosition() + step.tokens().length;
            if (end > maxContext) {
                throw new IllegalArgumentException("sequence " + step.sequenceId() + " would reach " + end
                        + " positions, beyond this executor's context of " + maxContext);
            }
            for (int token : step.tokens()) {
                if (token < 0 || token >= config.vocabSize()) {
                    throw new IllegalArgumentException(
                            "token id " + token + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")");
                }
            }
            if (step.startPosition() == held) {
                blocksNeeded += cache.blocksNeeded(step.sequenceId(), end);
            }
        }
        if (blocksNeeded > cache.freeBlocks()) {
            throw new PagedKvCache.CacheFullException("the KV cache has " + cache.freeBlocks() + " free blocks; this "
                    + "step needs " + blocksNeeded);
        }
    }

    @Override
    public void release(long sequenceId) {
        cache.release(sequenceId);
    }

    @Override
    public void close() {
        device.makeCurrent();
        if (graphs != null) {
            graphs.close();
        }
        workspace.close();
        cache.close();
        model.close();
        device.close();
    }
}
