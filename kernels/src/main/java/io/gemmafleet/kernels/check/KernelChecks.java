package io.gemmafleet.kernels.check;

import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaDevice.Purpose;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import io.gemmafleet.kernels.ops.DeviceMatrix;
import io.gemmafleet.kernels.ops.KernelLibrary;
import io.gemmafleet.kernels.ops.WeightUploader;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.sampling.TokenChoice;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Every kernel against a plain Java reference on random inputs, each reported as its worst relative error
 * against a stated tolerance. The references are written for obviousness (double accumulation, one loop per
 * formula), not speed; quantised weights are decoded with the CPU backend's own {@link Dequantizer}.
 */
final class KernelChecks {

    /** f32 accumulation in a different order than the double reference: relative to the result's scale. */
    static final double TOLERANCE = 1e-4;

    record Result(String name, double error, double tolerance) {
        boolean passed() {
            return error <= tolerance;
        }
    }

    private final CudaDevice device;
    private final KernelLibrary kernels;
    private final Random random = new Random(42);
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final Arena arena = Arena.ofAuto();

    KernelChecks(CudaDevice device, KernelLibrary kernels) {
        this.device = device;
        this.kernels = kernels;
    }

    List<Result> runAll() {
        List<Result> results = new ArrayList<>();
        for (GgmlType type : new GgmlType[] {GgmlType.BF16, GgmlType.F32, GgmlType.Q4_0, GgmlType.Q8_0,
                GgmlType.Q6_K}) {
            for (int tokens : new int[] {1, 5, 8, 13, 64, 300}) {
                results.add(matmul(type, 1000, 1536, tokens));  // 1536: whole Q6_K super-blocks
            }
            results.add(embedding(type, 300, 1536, 7));
        }
        results.add(rmsNorm(5, 1152));
        results.add(addRmsNorm(5, 1152, true));
        results.add(addRmsNorm(3, 1152, false));
        results.add(qkNormRope(6, 4, 1, 256, 10_000, 1.0));
        results.add(qkNormRope(3, 8, 4, 256, 1_000_000, 8.0));
        results.add(qkNormRope(2, 4, 1, 16, 10_000, 1.0));
        results.add(attention(new int[] {40}, 4, 1, 256, 0));
        results.add(attention(new int[] {700, 3, 1500}, 8, 4, 256, 0));
        results.add(attention(new int[] {700, 3, 1500}, 8, 4, 256, 512));
        results.add(attention(new int[] {9000}, 4, 1, 128, 0));
        results.add(geglu(7, 6912));
        results.add(argmax(5, 262144));
        results.add(sample(262144));
        for (DeviceBuffer b : buffers) {
            device.free(b, Purpose.ACTIVATIONS);
        }
        buffers.clear();
        return results;
    }

    // ---- matmul and embedding over every weight format ----

    private Result matmul(GgmlType type, int rows, int cols, int tokens) {
        TensorData w = randomTensor(type, rows, cols);
        float[] x = gaussian(tokens * cols);
        DeviceMatrix m = new WeightUploader(device).upload(w);
        DeviceBuffer dx = upload(x);
        DeviceBuffer out = allocate(tokens * rows);
        kernels.matmul(out.pointer(), m, dx.pointer(), tokens);
        float[] got = download(out, tokens * rows);
        free(m);
        float[] row = new float[cols];
        double[] expected = new double[tokens * rows];
        for (int r = 0; r < rows; r++) {
            Dequantizer.row(w, r, row);
            for (int t = 0; t < tokens; t++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += (double) row[c] * x[t * cols + c];
                }
                expected[t * rows + r] = s;
            }
        }
        boolean tensorCores = KernelLibrary.usesTensorCores(m, tokens);
        return new Result("matmul " + type + " " + rows + "x" + cols + " tokens=" + tokens + " (device format "
                + m.format() + (tensorCores ? ", tensor cores, bf16 activations" : "") + ")",
                relativeError(got, expected), tensorCores ? 1e-2 : TOLERANCE);
    }

    private Result embedding(GgmlType type, int vocab, int hidden, int count) {
        TensorData table = randomTensor(type, vocab, hidden);
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = random.nextInt(vocab);
        }
        DeviceMatrix m = new WeightUploader(device).upload(table);
        DeviceBuffer dt = upload(tokens);
        DeviceBuffer out = allocate(count * hidden);
        kernels.embed(out.pointer(), m, dt.pointer(), count, 33.94f);
        float[] got = download(out, count * hidden);
        free(m);
        double[] expected = new double[count * hidden];
        float[] row = new float[hidden];
        for (int i = 0; i < count; i++) {
            Dequantizer.row(table, tokens[i], row);
            for (int c = 0; c < hidden; c++) {
                expected[i * hidden + c] = row[c] * 33.94f;
            }
        }
        return new Result("embedding " + type + " (device format " + m.format() + ")", relativeError(got, expected),
                1e-6);
    }

    // ---- norms ----

    private Result rmsNorm(int rows, int n) {
        float[] x = gaussian(rows * n);
        float[] w = gaussian(n);
        int[] pick = {3, 0, 4, 4, 1};
        DeviceBuffer dx = upload(x);
        DeviceBuffer dw = upload(w);
        DeviceBuffer dp = upload(pick);
        DeviceBuffer out = allocate(pick.length * n);
        kernels.rmsNorm(out.pointer(), dx.pointer(), dw, dp.pointer(), pick.length, n, 1e-6f);
        double[] expected = new double[pick.length * n];
        for (int r = 0; r < pick.length; r++) {
            double[] y = referenceRmsNorm(x, pick[r] * n, n, w, 1e-6);
            System.arraycopy(y, 0, expected, r * n, n);
        }
        return new Result("rmsnorm (picked rows)", relativeError(download(out, pick.length * n), expected), TOLERANCE);
    }

    private Result addRmsNorm(int rows, int n, boolean withNext) {
        float[] x = gaussian(rows * n);
        float[] b = gaussian(rows * n);
        float[] wb = gaussian(n);
        float[] wn = gaussian(n);
        DeviceBuffer dx = upload(x);
        DeviceBuffer db = upload(b);
        DeviceBuffer dwb = upload(wb);
        DeviceBuffer dwn = upload(wn);
        DeviceBuffer normed = allocate(rows * n);
        kernels.addRmsNorm(dx.pointer(), db.pointer(), dwb, normed.pointer(), withNext ? dwn : null, rows, n, 1e-6f);
        double[] expectedX = new double[rows * n];
        double[] expectedNormed = new double[rows * n];
        float[] newX = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            double[] nb = referenceRmsNorm(b, r * n, n, wb, 1e-6);
            for (int i = 0; i < n; i++) {
                expectedX[r * n + i] = x[r * n + i] + nb[i];
                newX[r * n + i] = (float) expectedX[r * n + i];
            }
            double[] nx = referenceRmsNorm(newX, r * n, n, wn, 1e-6);
            System.arraycopy(nx, 0, expectedNormed, r * n, n);
        }
        double error = relativeError(download(dx, rows * n), expectedX);
        if (withNext) {
            error = Math.max(error, relativeError(download(normed, rows * n), expectedNormed));
        }
        return new Result("add_rmsnorm" + (withNext ? " + next norm" : " (last layer)"), error, TOLERANCE);
    }

    private static double[] referenceRmsNorm(float[] x, int offset, int n, float[] w, double eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[offset + i] * x[offset + i];
        }
        double inv = 1.0 / Math.sqrt(ss / n + eps);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = x[offset + i] * inv * w[i];
        }
        return y;
    }

    // ---- q/k norm + rope + cache store ----

    private Result qkNormRope(int tokens, int heads, int kvHeads, int headDim, double base, double linearScale) {
        int width = (heads + 2 * kvHeads) * headDim;
        int kvWidth = kvHeads * headDim;
        float[] qkv = gaussian(tokens * width);
        float[] qn = gaussian(headDim);
        float[] kn = gaussian(headDim);
        int[] positions = new int[tokens];
        int[] slots = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            positions[t] = random.nextInt(20_000);
            slots[t] = tokens - 1 - t;  // reversed, to see that slots are honoured
        }
        DeviceBuffer dqkv = upload(qkv);
        DeviceBuffer dqn = upload(qn);
        DeviceBuffer dkn = upload(kn);
        DeviceBuffer dpos = upload(positions);
        DeviceBuffer dslots = upload(slots);
        DeviceBuffer q = allocate(tokens * heads * headDim);
        DeviceBuffer kCache = allocate(tokens * kvWidth);
        DeviceBuffer vCache = allocate(tokens * kvWidth);
        kernels.qkNormRopeStore(q.pointer(), dqkv.pointer(), dqn, dkn, dpos.pointer(), dslots.pointer(),
                kCache.pointer(), vCache.pointer(), tokens, heads, kvHeads, headDim, 1e-6f, base, linearScale);
        double[] expectedQ = new double[tokens * heads * headDim];
        double[] expectedK = new double[tokens * kvWidth];
        double[] expectedV = new double[tokens * kvWidth];
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads + kvHeads; h++) {
                boolean query = h < heads;
                double[] y = referenceRmsNorm(qkv, t * width + h * headDim, headDim, query ? qn : kn, 1e-6);
                double[] r = referenceRope(y, positions[t], base, linearScale);
                if (query) {
                    System.arraycopy(r, 0, expectedQ, t * heads * headDim + h * headDim, headDim);
                } else {
                    System.arraycopy(r, 0, expectedK, slots[t] * kvWidth + (h - heads) * headDim, headDim);
                }
            }
            for (int i = 0; i < kvWidth; i++) {
                expectedV[slots[t] * kvWidth + i] = qkv[t * width + (heads + kvHeads) * headDim + i];
            }
        }
        double error = Math.max(relativeError(download(q, expectedQ.length), expectedQ),
                Math.max(relativeError(download(kCache, expectedK.length), expectedK),
                        relativeError(download(vCache, expectedV.length), expectedV)));
        return new Result("qk_norm_rope_store D=" + headDim + " base=" + (long) base + " scale=" + linearScale,
                error, TOLERANCE);
    }

    private static double[] referenceRope(double[] x, int position, double base, double linearScale) {
        int half = x.length / 2;
        double[] y = new double[x.length];
        for (int i = 0; i < half; i++) {
            double angle = position * (1.0 / Math.pow(base, (2.0 * i) / x.length) / linearScale);
            double c = (float) Math.cos(angle);
            double s = (float) Math.sin(angle);
            y[i] = x[i] * c - x[i + half] * s;
            y[i + half] = x[i + half] * c + x[i] * s;
        }
        return y;
    }

    // ---- paged attention ----

    /** Sequences of the given lengths; the last position of each is the query (decode), plus one prefill row. */
    private Result attention(int[] lengths, int heads, int kvHeads, int headDim, int window) {
        int block = KernelLibrary.BLOCK_TOKENS;
        int sequences = lengths.length;
        int maxBlocks = 0;
        int totalBlocks = 0;
        for (int len : lengths) {
            maxBlocks = Math.max(maxBlocks, (len + block - 1) / block);
            totalBlocks += (len + block - 1) / block;
        }
        // Shuffled block ids: a sequence's blocks are not contiguous in the cache.
        List<Integer> ids = new ArrayList<>();
        for (int b = 0; b < totalBlocks; b++) {
            ids.add(b);
        }
        java.util.Collections.shuffle(ids, random);
        int[] tables = new int[sequences * maxBlocks];
        int next = 0;
        for (int s = 0; s < sequences; s++) {
            for (int b = 0; b < (lengths[s] + block - 1) / block; b++) {
                tables[s * maxBlocks + b] = ids.get(next++);
            }
        }
        int kvWidth = kvHeads * headDim;
        float[] keys = gaussian(totalBlocks * block * kvWidth);
        float[] values = gaussian(totalBlocks * block * kvWidth);
        // Query rows: each sequence's last position, and for the first sequence also a middle position.
        List<int[]> rows = new ArrayList<>();  // {sequence, position}
        for (int s = 0; s < sequences; s++) {
            rows.add(new int[] {s, lengths[s] - 1});
        }
        rows.add(new int[] {0, lengths[0] / 2});
        int tokens = rows.size();
        int[] positions = new int[tokens];
        int[] tokenSeq = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            tokenSeq[t] = rows.get(t)[0];
            positions[t] = rows.get(t)[1];
        }
        float[] q = gaussian(tokens * heads * headDim);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int maxVisible = 0;
        for (int p : positions) {
            maxVisible = Math.max(maxVisible, window > 0 ? Math.min(window, p + 1) : p + 1);
        }
        int chunks = KernelLibrary.attentionChunks(maxVisible);
        int chunkLength = KernelLibrary.attentionChunkLength(maxVisible, chunks);
        DeviceBuffer dq = upload(q);
        DeviceBuffer dk = upload(keys);
        DeviceBuffer dv = upload(values);
        DeviceBuffer dpos = upload(positions);
        DeviceBuffer dseq = upload(tokenSeq);
        DeviceBuffer dtab = upload(tables);
        DeviceBuffer scratch = allocate((int) KernelLibrary.attentionScratchFloats(tokens, heads, headDim, chunks));
        DeviceBuffer out = allocate(tokens * heads * headDim);
        kernels.attention(out.pointer(), scratch.pointer(), dq.pointer(), dk.pointer(), dv.pointer(), dpos.pointer(),
                dseq.pointer(), dtab.pointer(), maxBlocks, tokens, heads, kvHeads, headDim, scale, window, chunks,
                chunkLength);
        double[] expected = new double[tokens * heads * headDim];
        for (int t = 0; t < tokens; t++) {
            int s = tokenSeq[t];
            int pos = positions[t];
            int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
            for (int h = 0; h < heads; h++) {
                int kvHead = h / (heads / kvHeads);
                double[] scores = new double[pos - first + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= pos; j++) {
                    int slot = tables[s * maxBlocks + j / block] * block + j % block;
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) q[(t * heads + h) * headDim + d] * keys[slot * kvWidth + kvHead * headDim + d];
                    }
                    scores[j - first] = dot * scale;
                    max = Math.max(max, scores[j - first]);
                }
                double sum = 0;
                for (int j = 0; j < scores.length; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = first; j <= pos; j++) {
                    int slot = tables[s * maxBlocks + j / block] * block + j % block;
                    for (int d = 0; d < headDim; d++) {
                        expected[(t * heads + h) * headDim + d] += scores[j - first] / sum
                                * values[slot * kvWidth + kvHead * headDim + d];
                    }
                }
            }
        }
        return new Result("attention lengths=" + java.util.Arrays.toString(lengths) + " Hq=" + heads + " Hk=" + kvHeads
                + " D=" + headDim + " window=" + window + " chunks=" + chunks,
                relativeError(download(out, expected.length), expected), TOLERANCE);
    }

    // ---- elementwise and selection ----

    private Result geglu(int tokens, int ffn) {
        float[] gu = gaussian(tokens * 2 * ffn);
        DeviceBuffer dgu = upload(gu);
        DeviceBuffer out = allocate(tokens * ffn);
        kernels.geglu(out.pointer(), dgu.pointer(), tokens, ffn);
        double[] expected = new double[tokens * ffn];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < ffn; i++) {
                double g = gu[t * 2 * ffn + i];
                double gelu = 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));
                expected[t * ffn + i] = gelu * gu[t * 2 * ffn + ffn + i];
            }
        }
        return new Result("geglu", relativeError(download(out, expected.length), expected), TOLERANCE);
    }

    private Result argmax(int rows, int vocab) {
        float[] logits = gaussian(rows * vocab);
        int[] expected = new int[rows];
        // Plant ties and extremes: row 1's maximum appears twice (the lower index must win).
        logits[vocab + 100] = 50f;
        logits[vocab + 90_000] = 50f;
        logits[2 * vocab + vocab - 1] = 60f;
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[r * vocab + i] > logits[r * vocab + best]) {
                    best = i;
                }
            }
            expected[r] = best;
        }
        DeviceBuffer dl = upload(logits);
        DeviceBuffer out = allocate(rows);
        kernels.argmax(out.pointer(), dl.pointer(), rows, vocab);
        int[] got = new int[rows];
        device.copyToHost(got, out.pointer(), rows);
        int wrong = 0;
        for (int r = 0; r < rows; r++) {
            if (got[r] != expected[r]) {
                wrong++;
            }
        }
        return new Result("argmax_rows (ties -> lowest index)", wrong, 0);
    }

    /** sample_rows against {@link TokenChoice#pick} (the same rules in Java) on peaked random logits. */
    private Result sample(int vocab) {
        TokenChoice[] kinds = {
            new TokenChoice(0.8f, 40, 0.95f, 0f, 0), new TokenChoice(1f, 0, 0.9f, 0f, 0),
            new TokenChoice(1.2f, 0, 1f, 0.05f, 0), new TokenChoice(1f, 0, 1f, 0f, 0),
            new TokenChoice(0.7f, 1, 1f, 0f, 0), new TokenChoice(0f, 0, 1f, 0f, 0),
            new TokenChoice(1f, 3000, 1f, 0f, 0), new TokenChoice(0.5f, 0, 0.5f, 0.1f, 0)};
        int rows = 48;
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3.0);
        }
        for (int r = 0; r < rows; r++) {  // 50 likely tokens per row, as a trained model's logits have
            for (int j = 0; j < 50; j++) {
                logits[r * vocab + random.nextInt(vocab)] += 20f;
            }
        }
        TokenChoice[] choices = new TokenChoice[rows];
        int[] params = new int[5 * rows];
        for (int r = 0; r < rows; r++) {
            TokenChoice k = kinds[r % kinds.length];
            choices[r] = new TokenChoice(k.temperature(), k.topK(), k.topP(), k.minP(), random.nextFloat());
            params[r] = Float.floatToRawIntBits(choices[r].temperature());
            params[rows + r] = choices[r].topK();
            params[2 * rows + r] = Float.floatToRawIntBits(choices[r].topP());
            params[3 * rows + r] = Float.floatToRawIntBits(choices[r].minP());
            params[4 * rows + r] = Float.floatToRawIntBits((float) choices[r].uniform());
        }
        DeviceBuffer dl = upload(logits);
        DeviceBuffer dp = upload(params);
        DeviceBuffer out = allocate(rows);
        kernels.sample(out.pointer(), dl.pointer(), dp.pointer(), rows, vocab);
        int[] got = new int[rows];
        device.copyToHost(got, out.pointer(), rows);
        int wrong = 0;
        int handedBack = 0;
        StringBuilder detail = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            int expected = choices[r].pick(java.util.Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab));
            if (got[r] == -1 && choices[r].topK() > 1024) {
                handedBack++;  // more candidates than the kernel holds: the executor samples this row on the host
            } else if (got[r] != expected) {
                wrong++;
                if (detail.length() < 300) {
                    detail.append(" row ").append(r).append(' ').append(choices[r]).append(": ").append(got[r])
                            .append(" vs ").append(expected);
                }
            }
        }
        return new Result("sample_rows vs TokenChoice.pick (" + rows + " rows, " + handedBack
                + " handed back to the host)" + detail, wrong, 0);
    }

    // ---- helpers ----

    /** A random [rows, cols] tensor in {@code type}'s GGUF encoding: valid scales, random quants. */
    private TensorData randomTensor(GgmlType type, int rows, int cols) {
        long bytes = (long) rows * cols / type.blockSize() * type.bytesPerBlock();
        MemorySegment data = arena.allocate(bytes, 16);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (random.nextGaussian() * 0.05));
                }
            }
            case BF16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    int bits = Float.floatToIntBits((float) (random.nextGaussian() * 0.05));
                    data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (bits >>> 16));
                }
            }
            default -> {
                byte[] raw = new byte[(int) bytes];
                random.nextBytes(raw);
                MemorySegment.copy(raw, 0, data, ValueLayout.JAVA_BYTE, 0, raw.length);
                if (type == GgmlType.Q4_0 || type == GgmlType.Q8_0) {
                    for (long b = 0; b < bytes / type.bytesPerBlock(); b++) {  // a sane f16 scale first in each block
                        short d = Float.floatToFloat16((float) (0.002 + random.nextDouble() * 0.01));
                        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, b * type.bytesPerBlock(), d);
                    }
                } else if (type == GgmlType.Q6_K) {
                    for (long b = 0; b < bytes / type.bytesPerBlock(); b++) {  // d is the block's last two bytes
                        short d = Float.floatToFloat16((float) (0.0005 + random.nextDouble() * 0.001));
                        data.set(ValueLayout.JAVA_SHORT_UNALIGNED, (b + 1) * type.bytesPerBlock() - 2, d);
                    }
                }
            }
        }
        return new TensorData("check." + type, type, new long[] {rows, cols}, data);
    }

    private float[] gaussian(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private DeviceBuffer allocate(int floats) {
        DeviceBuffer b = device.allocate(4L * Math.max(1, floats), Purpose.ACTIVATIONS, "check");
        buffers.add(b);
        return b;
    }

    private DeviceBuffer upload(float[] values) {
        DeviceBuffer b = allocate(values.length);
        device.copyToDevice(b.pointer(), values, values.length);
        return b;
    }

    private DeviceBuffer upload(int[] values) {
        DeviceBuffer b = allocate(values.length);
        device.copyToDevice(b.pointer(), values, values.length);
        return b;
    }

    private float[] download(DeviceBuffer b, int floats) {
        float[] out = new float[floats];
        device.copyToHost(out, b.pointer(), floats);
        return out;
    }

    private void free(DeviceMatrix m) {
        device.free(m.values(), Purpose.WEIGHTS);
        device.free(m.scales(), Purpose.WEIGHTS);
    }

    /** max |got - expected| / max(1e-6, max |expected|): the error relative to the result's scale. */
    static double relativeError(float[] got, double[] expected) {
        double scale = 1e-6;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            double err = Math.abs(got[i] - expected[i]);
            if (Double.isNaN(err)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, err);
        }
        return worst / scale;
    }

    static Map<String, Object> toJson(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("check", r.name());
        m.put("error", r.error());
        m.put("tolerance", r.tolerance());
        m.put("passed", r.passed());
        return m;
    }
}
