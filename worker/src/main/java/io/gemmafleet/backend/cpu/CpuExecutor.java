package io.gemmafleet.backend.cpu;

import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ExecutorOutOfMemoryException;
import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.backend.KvBlockTable;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.backend.cpu.matmul.MatmulInput;
import io.gemmafleet.backend.cpu.matmul.PackedMatrix;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.quant.Dequantizer;
import java.util.List;

/**
 * The Gemma 3 forward pass on the CPU, for a batch of sequences at once.
 *
 * <p>All tokens of a step — prefill chunks and single decode tokens of different sequences — are stacked into
 * one activation matrix {@code [T, hidden]}, so every weight matrix is read once per step for the whole batch.
 * Only attention looks at sequences separately: each token attends over its own sequence's cache, found through
 * the block table the engine sends with the step ({@link PagedKvStore}).
 */
final class CpuExecutor implements ModelExecutor {

    private final Gemma3Config config;
    private final Gemma3Weights weights;
    private final int maxContext;
    private final ThreadTeam team;
    private final List<LayerKernels> layers;
    private final PackedMatrix lmHead;
    private final Rope globalRope;
    private final Rope localRope;
    private final PagedKvStore cache;
    private final float[][] attentionScores;

    /** A layer's matrices wrapped in the kernels for their encodings. */
    private record LayerKernels(Gemma3Weights.Layer weights, PackedMatrix q, PackedMatrix k, PackedMatrix v,
                                PackedMatrix o, PackedMatrix gate, PackedMatrix up, PackedMatrix down) {}

    CpuExecutor(Gemma3Weights weights, ExecutorOptions options) {
        this.config = weights.config();
        this.weights = weights;
        this.maxContext = Math.min(options.maxContext(), config.contextLength());
        this.team = new ThreadTeam(options.effectiveThreads());
        this.layers = weights.layers().stream()
                .map(l -> new LayerKernels(l, PackedMatrix.of(l.query()), PackedMatrix.of(l.key()),
                        PackedMatrix.of(l.value()), PackedMatrix.of(l.attentionOutput()), PackedMatrix.of(l.gate()),
                        PackedMatrix.of(l.up()), PackedMatrix.of(l.down())))
                .toList();
        this.lmHead = PackedMatrix.of(weights.tokenEmbedding()); // tied weights: logits = h · Eᵀ
        this.globalRope = new Rope(config.headDim(), config.ropeBaseGlobal(), config.ropeLinearScaleGlobal());
        this.localRope = new Rope(config.headDim(), config.ropeBaseLocal(), 1.0);
        this.attentionScores = new float[team.size()][maxContext];
        this.cache = new PagedKvStore(config);
    }

    @Override
    public Gemma3Config config() {
        return config;
    }

    @Override
    public boolean usesBlockTables() {
        return true;
    }

    @Override
    public boolean acceptsImages() {
        return true;
    }

    /** Nothing to do: the engine owns the blocks and frees them. */
    @Override
    public void release(long sequenceId) {
    }

    @Override
    public void close() {
        cache.clear();
        team.close();
    }

    /**
     * Where each stacked token comes from; {@code images[t]} is the image span token t belongs to, or null for a
     * text token.
     */
    private record TokenLayout(int[] tokens, int[] positions, KvBlockTable[] tables, ImageSpan[] images,
                               int[] lastTokenOfStep) {}

    @Override
    public float[][] step(StepBatch batch) {
        try {
            return forward(batch);
        } catch (OutOfMemoryError e) {
            // The step's buffers are garbage now; the heap is usable again for a smaller load.
            throw new ExecutorOutOfMemoryException("the Java heap could not hold a step of " + batch.tokenCount()
                    + " tokens: " + e.getMessage(), e);
        }
    }

    private float[][] forward(StepBatch batch) {
        TokenLayout layout = layOut(batch);
        int tokens = layout.tokens.length;
        int hidden = config.hiddenSize();

        // 1. Embedding: look up each token's row and scale it by sqrt(hidden); an image's soft tokens take the
        //    projected image features instead, unscaled (as Hugging Face and llama.cpp both do).
        float[] x = new float[tokens * hidden];
        float[] row = new float[hidden];
        for (int t = 0; t < tokens; t++) {
            ImageSpan image = layout.images[t];
            if (image != null) {
                System.arraycopy(image.embeddings(), (layout.positions[t] - image.start()) * hidden, x, t * hidden,
                        hidden);
                continue;
            }
            Dequantizer.row(weights.tokenEmbedding(), layout.tokens[t], row);
            VectorMath.scale(row, 0, hidden, config.embeddingScale());
            System.arraycopy(row, 0, x, t * hidden, hidden);
        }

        // 2. The decoder layers, each adding attention then the feed-forward network to the residual stream.
        Activations a = new Activations(tokens, config);
        for (int l = 0; l < config.layerCount(); l++) {
            attentionBlock(l, x, a, layout);
            feedForwardBlock(l, x, a);
        }

        // 3. Logits for the last token of each step that wants them: final norm, then the tied embedding.
        return logits(batch, layout, x);
    }

    /** Scratch matrices of one step, sized for its token count. */
    private static final class Activations {
        final float[] normed;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] attention;
        final float[] projected;
        final float[] gate;
        final float[] up;

        Activations(int tokens, Gemma3Config c) {
            normed = new float[tokens * c.hiddenSize()];
            q = new float[tokens * c.queryDim()];
            k = new float[tokens * c.kvDim()];
            v = new float[tokens * c.kvDim()];
            attention = new float[tokens * c.queryDim()];
            projected = new float[tokens * c.hiddenSize()];
            gate = new float[tokens * c.ffnSize()];
            up = new float[tokens * c.ffnSize()];
        }
    }

    /** x += post_attention_norm(o(attention(q, k, v))), with q, k, v from input_layernorm(x). */
    private void attentionBlock(int layer, float[] x, Activations a, TokenLayout layout) {
        LayerKernels kernels = layers.get(layer);
        Gemma3Weights.Layer w = kernels.weights;
        int tokens = layout.tokens.length;
        int hidden = config.hiddenSize();
        int headDim = config.headDim();
        float eps = config.rmsNormEps();
        boolean global = config.isGlobal(layer);
        Rope rope = global ? globalRope : localRope;

        normRows(x, a.normed, tokens, hidden, w.attentionNorm());
        multiply(kernels.q, a.normed, tokens, a.q);
        multiply(kernels.k, a.normed, tokens, a.k);
        multiply(kernels.v, a.normed, tokens, a.v);

        // q and k: RMSNorm over each head, then rotate by position (local and global layers use different bases).
        team.forRange(tokens, (start, end, member) -> {
            for (int t = start; t < end; t++) {
                for (int h = 0; h < config.headCount(); h++) {
                    int o = t * config.queryDim() + h * headDim;
                    VectorMath.rmsNorm(a.q, o, headDim, w.queryNorm(), eps);
                    rope.apply(a.q, o, layout.positions[t]);
                }
                for (int h = 0; h < config.kvHeadCount(); h++) {
                    int o = t * config.kvDim() + h * headDim;
                    VectorMath.rmsNorm(a.k, o, headDim, w.keyNorm(), eps);
                    rope.apply(a.k, o, layout.positions[t]);
                }
            }
        });

        // Store the new keys and values in each sequence's cache, so tokens of a chunk see each other.
        for (int t = 0; t < tokens; t++) {
            cache.write(layer, layout.tables[t], layout.positions[t], a.k, t * config.kvDim(), a.v,
                    t * config.kvDim());
        }

        attend(layer, global, a, layout);
        multiply(kernels.o, a.attention, tokens, a.projected);
        normRows(a.projected, a.projected, tokens, hidden, w.postAttentionNorm());
        VectorMath.addInto(x, 0, a.projected, 0, tokens * hidden);
    }

    /**
     * Scaled dot-product attention of every (token, query head) over the token's own sequence: causal, and on
     * sliding layers limited to the window (key j is visible from query i iff 0 ≤ i − j < window). A token of an
     * image also sees the later tokens of its image (bidirectional within the image, as Gemma 3 attends); the window's
     * lower bound still applies, as in llama.cpp (Hugging Face lets an image see all of itself; the two agree while
     * an image is shorter than the window: 256 soft tokens against 512 or more in every Gemma 3). Query heads share
     * key/value heads in groups (GQA).
     */
    private void attend(int layer, boolean global, Activations a, TokenLayout layout) {
        int tokens = layout.tokens.length;
        int heads = config.headCount();
        int headDim = config.headDim();
        int group = config.queriesPerKvHead();
        float scale = config.attentionScale();
        int window = config.slidingWindow();
        team.forRange(tokens * heads, (start, end, member) -> {
            float[] scores = attentionScores[member];
            for (int item = start; item < end; item++) {
                int t = item / heads;
                int h = item % heads;
                int position = layout.positions[t];
                KvBlockTable table = layout.tables[t];
                int kvOffset = (h / group) * headDim;
                ImageSpan image = layout.images[t];
                int last = image == null ? position : Math.max(position, image.end() - 1);
                int first = global ? 0 : Math.max(0, position - window + 1);
                int count = last - first + 1;
                int q = t * config.queryDim() + h * headDim;
                for (int j = 0; j < count; j++) {
                    int p = first + j;
                    float[] keys = cache.keys(layer, cache.block(layer, table, p));
                    scores[j] = scale * VectorMath.dot(a.q, q, keys, cache.offset(p) + kvOffset, headDim);
                }
                VectorMath.softmax(scores, count);
                java.util.Arrays.fill(a.attention, q, q + headDim, 0f);
                for (int j = 0; j < count; j++) {
                    int p = first + j;
                    float[] values = cache.values(layer, cache.block(layer, table, p));
                    VectorMath.addScaled(a.attention, q, values, cache.offset(p) + kvOffset, headDim, scores[j]);
                }
            }
        });
    }

    /** x += post_ffw_norm(down(gelu_tanh(gate(h)) * up(h))), with h = pre_feedforward_layernorm(x). */
    private void feedForwardBlock(int layer, float[] x, Activations a) {
        LayerKernels kernels = layers.get(layer);
        Gemma3Weights.Layer w = kernels.weights;
        int tokens = x.length / config.hiddenSize();
        int hidden = config.hiddenSize();
        normRows(x, a.normed, tokens, hidden, w.ffnNorm());
        multiply(kernels.gate, a.normed, tokens, a.gate);
        multiply(kernels.up, a.normed, tokens, a.up);
        int total = tokens * config.ffnSize();
        team.forRange(total, (start, end, member) -> VectorMath.geglu(a.gate, a.up, start, end));
        multiply(kernels.down, a.gate, tokens, a.projected);
        normRows(a.projected, a.projected, tokens, hidden, w.postFfnNorm());
        VectorMath.addInto(x, 0, a.projected, 0, tokens * hidden);
    }

    private float[][] logits(StepBatch batch, TokenLayout layout, float[] x) {
        int hidden = config.hiddenSize();
        List<SequenceStep> steps = batch.steps();
        int wanted = (int) steps.stream().filter(SequenceStep::wantLogits).count();
        float[][] result = new float[steps.size()][];
        if (wanted == 0) {
            return result;
        }
        float[] finalHidden = new float[wanted * hidden];
        int n = 0;
        for (int s = 0; s < steps.size(); s++) {
            if (steps.get(s).wantLogits()) {
                VectorMath.rmsNorm(x, layout.lastTokenOfStep[s] * hidden, finalHidden, n * hidden, hidden,
                        weights.outputNorm(), config.rmsNormEps());
                n++;
            }
        }
        int vocab = config.vocabSize();
        float[] all = new float[wanted * vocab];
        multiply(lmHead, finalHidden, wanted, all);
        n = 0;
        for (int s = 0; s < steps.size(); s++) {
            if (steps.get(s).wantLogits()) {
                result[s] = java.util.Arrays.copyOfRange(all, n * vocab, (n + 1) * vocab);
                n++;
            }
        }
        return result;
    }

    /** Stacks the batch's tokens, each with its position and its sequence's block table. */
    private TokenLayout layOut(StepBatch batch) {
        validate(batch);
        int total = batch.tokenCount();
        int[] tokens = new int[total];
        int[] positions = new int[total];
        KvBlockTable[] tables = new KvBlockTable[total];
        ImageSpan[] images = new ImageSpan[total];
        int[] last = new int[batch.steps().size()];
        int t = 0;
        for (int s = 0; s < batch.steps().size(); s++) {
            SequenceStep step = batch.steps().get(s);
            for (int i = 0; i < step.tokens().length; i++) {
                tokens[t] = step.tokens()[i];
                positions[t] = step.startPosition() + i;
                tables[t] = step.blocks();
                images[t] = ImageSpan.at(step.images(), positions[t]);
                t++;
            }
            last[s] = t - 1;
        }
        int highest = 0;
        for (int p : positions) {
            highest = Math.max(highest, p);
        }
        globalRope.ensure(highest + 1);
        localRope.ensure(highest + 1);
        return new TokenLayout(tokens, positions, tables, images, last);
    }

    /** Rejects a bad batch before any cache is touched, so a failed step leaves every sequence as it was. */
    private void validate(StepBatch batch) {
        for (SequenceStep step : batch.steps()) {
            if (step.endPosition() > maxContext) {
                throw new IllegalArgumentException("sequence would reach " + step.endPosition()
                        + " positions; the context limit is " + maxContext);
            }
            if (step.blocks() == null) {
                throw new IllegalArgumentException("sequence " + step.sequenceId()
                        + " comes without a block table; the CPU executor pages with the engine's tables");
            }
            int globalCovered = step.blocks().globalBlocks().length * KvBlockTable.BLOCK_SIZE;
            if (globalCovered < step.endPosition()) {
                throw new IllegalArgumentException("sequence " + step.sequenceId() + "'s block table covers "
                        + globalCovered + " positions, the step reaches " + step.endPosition());
            }
            for (ImageSpan image : step.images()) {
                if (image.width() != config.hiddenSize()) {
                    throw new IllegalArgumentException("image embeddings are " + image.width()
                            + " wide; the model's hidden size is " + config.hiddenSize());
                }
            }
            for (int i = 0; i < step.tokens().length; i++) {
                int token = step.tokens()[i];
                if (ImageSpan.at(step.images(), step.startPosition() + i) != null) {
                    continue; // a placeholder: the span's embeddings stand in for it
                }
                if (token < 0 || token >= config.vocabSize()) {
                    throw new IllegalArgumentException(
                            "token id " + token + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")");
                }
            }
        }
    }

    private void normRows(float[] in, float[] out, int tokens, int width, float[] weight) {
        float eps = config.rmsNormEps();
        for (int t = 0; t < tokens; t++) {
            VectorMath.rmsNorm(in, t * width, out, t * width, width, weight, eps);
        }
    }

    private void multiply(PackedMatrix matrix, float[] in, int tokens, float[] out) {
        MatmulInput input = matrix.prepare(in, tokens); // quantized once, not once per thread's range
        team.forRange(matrix.rows(), (start, end, member) -> matrix.multiply(input, out, start, end));
    }
}
