package io.gemmafleet.kernels.backend;

import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaDevice.Purpose;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import io.gemmafleet.kernels.ops.DeviceMatrix;
import io.gemmafleet.kernels.ops.WeightUploader;
import io.gemmafleet.model.Gemma3Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * A Gemma 3 text decoder's weights resident on the device, arranged for the forward pass: each layer's q, k and v
 * projections stacked into one matrix (one launch instead of three), gate and up likewise; the tied embedding
 * serves both the token lookup and the logits.
 */
final class DeviceModel implements AutoCloseable {

    /** One layer's device weights. */
    record Layer(DeviceBuffer attentionNorm, DeviceMatrix qkv, DeviceBuffer queryNorm, DeviceBuffer keyNorm,
                 DeviceMatrix attentionOutput, DeviceBuffer postAttentionNorm, DeviceBuffer ffnNorm,
                 DeviceMatrix gateUp, DeviceMatrix down, DeviceBuffer postFfnNorm) {}

    private final CudaDevice device;
    private final DeviceMatrix embedding;
    private final DeviceBuffer outputNorm;
    private final List<Layer> layers;
    private final List<DeviceBuffer> owned = new ArrayList<>();

    DeviceModel(CudaDevice device, Gemma3Weights weights) {
        this.device = device;
        WeightUploader up = new WeightUploader(device);
        try {
            this.embedding = own(up.upload(weights.tokenEmbedding()));
            this.outputNorm = own(up.upload(weights.outputNorm(), "output_norm"));
            List<Layer> built = new ArrayList<>();
            int i = 0;
            for (Gemma3Weights.Layer l : weights.layers()) {
                String p = "blk." + i++ + ".";
                built.add(new Layer(
                        own(up.upload(l.attentionNorm(), p + "attn_norm")),
                        own(up.stack(List.of(l.query(), l.key(), l.value()), p + "attn_qkv")),
                        own(up.upload(l.queryNorm(), p + "attn_q_norm")),
                        own(up.upload(l.keyNorm(), p + "attn_k_norm")),
                        own(up.upload(l.attentionOutput())),
                        own(up.upload(l.postAttentionNorm(), p + "post_attention_norm")),
                        own(up.upload(l.ffnNorm(), p + "ffn_norm")),
                        own(up.stack(List.of(l.gate(), l.up()), p + "ffn_gate_up")),
                        own(up.upload(l.down())),
                        own(up.upload(l.postFfnNorm(), p + "post_ffw_norm"))));
            }
            this.layers = List.copyOf(built);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    DeviceMatrix embedding() {
        return embedding;
    }

    DeviceBuffer outputNorm() {
        return outputNorm;
    }

    Layer layer(int index) {
        return layers.get(index);
    }

    /** Weight bytes one forward step reads at batch 1 (every matrix once, the embedding as the logits matrix). */
    long bytesPerStep() {
        long n = embedding.bytes();
        for (Layer l : layers) {
            n += l.qkv().bytes() + l.attentionOutput().bytes() + l.gateUp().bytes() + l.down().bytes();
        }
        return n;
    }

    private DeviceMatrix own(DeviceMatrix m) {
        owned.add(m.values());
        if (m.scales() != null) {
            owned.add(m.scales());
        }
        return m;
    }

    private DeviceBuffer own(DeviceBuffer b) {
        owned.add(b);
        return b;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : owned) {
            device.free(b, Purpose.WEIGHTS);
        }
        owned.clear();
    }
}
