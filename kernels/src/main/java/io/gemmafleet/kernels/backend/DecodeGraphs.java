package io.gemmafleet.kernels.backend;

import io.gemmafleet.kernels.cuda.Cuda;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * CUDA graphs of whole decode steps, one per batch size: a decode step launches a few hundred small kernels, and
 * at batch 1 on a 1B model launching them one by one from Java costs more than running them. A captured graph
 * replays them with one launch.
 *
 * <p>A graph bakes in every kernel argument, so whatever changes between steps lives in device memory (tokens,
 * positions, slots, block tables, copied in before each replay), and the shape-dependent arguments are fixed for
 * the executor's whole context: the block-table width and the attention split are those of the longest sequence,
 * and chunks past a sequence's visible keys exit at once. Graphs hold workspace addresses, so they are dropped
 * when the workspace is reallocated. Not thread-safe.
 */
final class DecodeGraphs implements AutoCloseable {

    private final CUstream stream;
    private final Map<Integer, CUgraphExec> byBatch = new HashMap<>();
    private int workspaceGeneration = -1;

    DecodeGraphs(CUstream stream) {
        this.stream = stream;
    }

    /**
     * Replays the graph for {@code batch} sequences, capturing it first from {@code record} (which must only queue
     * kernels on the stream: no allocation, no copy, no synchronisation).
     */
    void launch(int batch, int generation, Runnable record) {
        if (generation != workspaceGeneration) {
            close();
            workspaceGeneration = generation;
        }
        CUgraphExec exec = byBatch.get(batch);
        if (exec == null) {
            exec = capture(record);
            byBatch.put(batch, exec);
        }
        Cuda.check(JCudaDriver.cuGraphLaunch(exec, stream), "cuGraphLaunch");
    }

    private CUgraphExec capture(Runnable record) {
        Cuda.check(JCudaDriver.cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture");
        CUgraph graph = new CUgraph();
        try {
            record.run();
        } finally {
            Cuda.check(JCudaDriver.cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
        }
        CUgraphExec exec = new CUgraphExec();
        try {
            Cuda.check(JCudaDriver.cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
        } finally {
            JCudaDriver.cuGraphDestroy(graph);
        }
        return exec;
    }

    @Override
    public void close() {
        for (CUgraphExec exec : byBatch.values()) {
            JCudaDriver.cuGraphExecDestroy(exec);
        }
        byBatch.clear();
    }
}
