package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionTensors;
import io.gemmafleet.model.vision.VisionWeights;

/**
 * A plain, obviously-correct SigLIP + Gemma 3 projector for one image, written from transformers'
 * {@code SiglipVisionTransformer} and {@code Gemma3MultiModalProjector}: scalar loops, double accumulation, the
 * convolution as a convolution. Slow; for checking the CPU encoder.
 */
final class ReferenceVisionEncoder {

    private final VisionWeights w;
    private final VisionConfig c;

    ReferenceVisionEncoder(VisionWeights w) {
        this.w = w;
        this.c = w.config();
    }

    private float[] t(String name) {
        return Dequantizer.all(w.tensor(name));
    }

    /** @return tokensPerImage × textHidden */
    float[] encode(float[] image) {
        int s = c.imageSize();
        int p = c.patchSize();
        int side = c.patchesPerSide();
        int n = c.patchCount();
        int d = c.hidden();
        // Conv2d(3, d, kernel p, stride p) + bias, then + position embedding of the patch index (row-major)
        float[] conv = t(VisionTensors.PATCH_WEIGHT); // [d][3][p][p]
        float[] convBias = t(VisionTensors.PATCH_BIAS);
        float[] pos = t(VisionTensors.POSITION);
        double[][] x = new double[n][d];
        for (int py = 0; py < side; py++) {
            for (int px = 0; px < side; px++) {
                int patch = py * side + px;
                for (int o = 0; o < d; o++) {
                    double sum = convBias[o];
                    for (int ch = 0; ch < 3; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            for (int kx = 0; kx < p; kx++) {
                                sum += (double) conv[((o * 3 + ch) * p + ky) * p + kx]
                                        * image[(ch * s + py * p + ky) * s + px * p + kx];
                            }
                        }
                    }
                    x[patch][o] = sum + pos[patch * d + o];
                }
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            double[][] h = layerNorm(x, t(VisionTensors.layer(l, "ln1", "weight")), t(VisionTensors.layer(l, "ln1", "bias")));
            double[][] q = linear(h, l, "attn_q");
            double[][] k = linear(h, l, "attn_k");
            double[][] v = linear(h, l, "attn_v");
            double[][] attn = new double[n][d];
            int hd = c.headDim();
            for (int head = 0; head < c.heads(); head++) {
                for (int i = 0; i < n; i++) {
                    double[] scores = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += q[i][head * hd + e] * k[j][head * hd + e];
                        }
                        scores[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[j]);
                    }
                    double total = 0;
                    for (int j = 0; j < n; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        total += scores[j];
                    }
                    for (int j = 0; j < n; j++) {
                        for (int e = 0; e < hd; e++) {
                            attn[i][head * hd + e] += scores[j] / total * v[j][head * hd + e];
                        }
                    }
                }
            }
            add(x, linear(attn, l, "attn_out"));
            double[][] up = linear(layerNorm(x, t(VisionTensors.layer(l, "ln2", "weight")),
                    t(VisionTensors.layer(l, "ln2", "bias"))), l, "ffn_up");
            for (double[] row : up) {
                for (int e = 0; e < row.length; e++) {
                    double g = row[e];
                    row[e] = 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));
                }
            }
            add(x, linear(up, l, "ffn_down"));
        }
        x = layerNorm(x, t(VisionTensors.POST_NORM + ".weight"), t(VisionTensors.POST_NORM + ".bias"));
        // projector: [n, d] → [d, side, side] → AvgPool2d(k) → flatten row-major → RMSNorm(1 + w) → @ W
        int k = c.poolKernel();
        int ts = c.tokensPerSide();
        float[] normWeight = w.softEmbNormMultiplier();
        float[] proj = t(VisionTensors.INPUT_PROJECTION); // [d][textHidden]
        int th = c.textHidden();
        float[] out = new float[c.tokensPerImage() * th];
        for (int ty = 0; ty < ts; ty++) {
            for (int tx = 0; tx < ts; tx++) {
                double[] pooled = new double[d];
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        double[] row = x[(ty * k + ky) * side + tx * k + kx];
                        for (int e = 0; e < d; e++) {
                            pooled[e] += row[e] / (k * k);
                        }
                    }
                }
                double squares = 0;
                for (double v : pooled) {
                    squares += v * v;
                }
                double inv = 1 / Math.sqrt(squares / d + c.softEmbNormEps());
                int token = ty * ts + tx;
                for (int o = 0; o < th; o++) {
                    double sum = 0;
                    for (int e = 0; e < d; e++) {
                        sum += pooled[e] * inv * normWeight[e] * proj[e * th + o];
                    }
                    out[token * th + o] = (float) sum;
                }
            }
        }
        return out;
    }

    private double[][] linear(double[][] in, int layer, String part) {
        float[] weight = t(VisionTensors.layer(layer, part, "weight")); // [out][in]
        float[] bias = t(VisionTensors.layer(layer, part, "bias"));
        int inputs = in[0].length;
        double[][] out = new double[in.length][bias.length];
        for (int i = 0; i < in.length; i++) {
            for (int o = 0; o < bias.length; o++) {
                double sum = bias[o];
                for (int e = 0; e < inputs; e++) {
                    sum += (double) weight[o * inputs + e] * in[i][e];
                }
                out[i][o] = sum;
            }
        }
        return out;
    }

    private double[][] layerNorm(double[][] x, float[] weight, float[] bias) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            for (double v : x[i]) {
                mean += v / x[i].length;
            }
            double var = 0;
            for (double v : x[i]) {
                var += (v - mean) * (v - mean) / x[i].length;
            }
            out[i] = new double[x[i].length];
            for (int e = 0; e < x[i].length; e++) {
                out[i][e] = (x[i][e] - mean) / Math.sqrt(var + c.layerNormEps()) * weight[e] + bias[e];
            }
        }
        return out;
    }

    private static void add(double[][] acc, double[][] x) {
        for (int i = 0; i < acc.length; i++) {
            for (int e = 0; e < acc[i].length; e++) {
                acc[i][e] += x[i][e];
            }
        }
    }
}
