package io.gemmafleet.kernels.backend;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.MemoryBudget;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.engine.KvFootprint;
import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaProbe;
import io.gemmafleet.kernels.cuda.DeviceOutOfMemoryException;
import io.gemmafleet.kernels.ops.KernelLibrary;
import io.gemmafleet.kernels.ops.WeightUploader;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.load.Checkpoint;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend: our kernels, launched through JCuda's driver API, on one GPU.
 *
 * <p>Opening an executor uploads the weights, then gives the KV cache what is left of the device's free memory
 * (less a reserve for activations), capped at {@code gemmafleet.cuda.maxSequences} (default 64) sequences of the
 * executor's full context. Too little memory for one full-length sequence is a {@link DeviceOutOfMemoryException},
 * the fallback ladder's signal to try a smaller model or context.
 */
public final class CudaBackend implements Backend {

    public static final String NAME = "cuda";

    private static final Logger log = LoggerFactory.getLogger(CudaBackend.class);
    private static final long ACTIVATION_RESERVE_BYTES = 1L << 30;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        return CudaProbe.unavailableReason();
    }

    /**
     * The device's free memory (cuMemGetInfo, measured in a context opened and released for the purpose) times
     * {@code utilisation}, capped by {@code configuredBytes}. Call it before opening an executor.
     */
    @Override
    public MemoryBudget memoryBudget(double utilisation, OptionalLong configuredBytes) {
        try (CudaDevice device = CudaDevice.open(Integer.getInteger("gemmafleet.cuda.device", 0))) {
            return MemoryBudget.device(device.name(), device.memoryInfo()[0], utilisation, configuredBytes);
        }
    }

    /**
     * Bytes {@link DeviceModel} will allocate for the checkpoint's weights, from the tensor headers: matrices in
     * their device formats (F16 and the K-quants become f32, q|k|v and gate|up are stacked), norms as f32.
     */
    @Override
    public long residentWeightBytes(Checkpoint checkpoint) {
        Gemma3Weights w = Gemma3Weights.from(checkpoint);
        long bytes = WeightUploader.deviceBytes(List.of(w.tokenEmbedding())) + 4L * w.outputNorm().length;
        for (Gemma3Weights.Layer l : w.layers()) {
            bytes += WeightUploader.deviceBytes(List.of(l.query(), l.key(), l.value()))
                    + WeightUploader.deviceBytes(List.of(l.attentionOutput()))
                    + WeightUploader.deviceBytes(List.of(l.gate(), l.up()))
                    + WeightUploader.deviceBytes(List.of(l.down()))
                    + 4L * (l.attentionNorm().length + l.queryNorm().length + l.keyNorm().length
                    + l.postAttentionNorm().length + l.ffnNorm().length + l.postFfnNorm().length);
        }
        return bytes;
    }

    @Override
    public ModelExecutor open(Gemma3Weights weights, ExecutorOptions options) {
        Gemma3Config config = weights.config();
        int maxContext = Math.min(options.maxContext(), config.contextLength());
        CudaDevice device = CudaDevice.open(Integer.getInteger("gemmafleet.cuda.device", 0));
        DeviceModel model = null;
        PagedKvCache cache = null;
        try {
            KernelLibrary kernels = new KernelLibrary(device);
            model = new DeviceModel(device, weights);
            cache = new PagedKvCache(device, config.layerCount(), config.kvDim(), KernelLibrary.BLOCK_TOKENS,
                    kvBlocks(device, config, maxContext));
            log.info("CUDA backend on {}: weights {} MiB, KV cache {} blocks ({} MiB, {} positions)", device,
                    device.allocated(CudaDevice.Purpose.WEIGHTS) >> 20, cache.blockCount(),
                    device.allocated(CudaDevice.Purpose.KV_CACHE) >> 20,
                    (long) cache.blockCount() * KernelLibrary.BLOCK_TOKENS);
            return new CudaExecutor(config, device, kernels, model, cache, maxContext);
        } catch (RuntimeException e) {
            if (cache != null) {
                cache.close();
            }
            if (model != null) {
                model.close();
            }
            device.close();
            throw e;
        }
    }

    /** KV blocks for this device: what fits in free memory less the reserve, capped by the sequence limit. */
    static int kvBlocks(CudaDevice device, Gemma3Config config, int maxContext) {
        // The cache is f32 and keeps every position on every layer: one block holds BLOCK_TOKENS of them.
        long perBlock = new KvFootprint(Float.BYTES, false).bytes(config, KernelLibrary.BLOCK_TOKENS);
        int perSequence = (maxContext + KernelLibrary.BLOCK_TOKENS - 1) / KernelLibrary.BLOCK_TOKENS;
        long free = device.memoryInfo()[0];
        long budget = (long) ((free - ACTIVATION_RESERVE_BYTES) * 0.9);
        long fitting = Math.max(0, budget / perBlock);
        long wanted = (long) perSequence * Integer.getInteger("gemmafleet.cuda.maxSequences", 64);
        if (fitting < perSequence) {
            throw new DeviceOutOfMemoryException("a KV cache of one " + maxContext + "-position sequence ("
                    + (free >> 20) + " MiB free after the weights)", perSequence * perBlock, 2);
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.min(fitting, wanted));
    }
}
