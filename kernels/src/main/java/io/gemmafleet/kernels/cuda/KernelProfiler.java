package io.gemmafleet.kernels.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Optional per-kernel timing with CUDA events, for the GPU check's profile: while recording, every launch is
 * bracketed by two events on its stream, and {@link #finish} sums the elapsed device time per kernel name.
 * Events serialise nothing extra on one stream, but recording adds host work per launch, so profile runs are
 * for the breakdown, not for the totals. Off unless {@link #start} was called; not for captured graphs.
 */
public final class KernelProfiler {

    private record Span(String kernel, CUevent start, CUevent stop) {}

    private static List<Span> spans;

    private KernelProfiler() {}

    /** Starts recording launches (on the current thread's context). */
    public static synchronized void start() {
        spans = new ArrayList<>();
    }

    static synchronized boolean recording() {
        return spans != null;
    }

    static synchronized CUevent[] before(CUstream stream) {
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        Cuda.check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
        Cuda.check(JCudaDriver.cuEventCreate(stop, 0), "cuEventCreate");
        Cuda.check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
        return new CUevent[] {start, stop};
    }

    static synchronized void after(String kernel, CUevent[] events, CUstream stream) {
        Cuda.check(JCudaDriver.cuEventRecord(events[1], stream), "cuEventRecord");
        spans.add(new Span(kernel, events[0], events[1]));
    }

    /**
     * Stops recording and returns, per kernel name, {launches, total milliseconds}, sorted by name.
     */
    public static synchronized Map<String, double[]> finish() {
        Map<String, double[]> totals = new TreeMap<>();
        if (spans == null) {
            return totals;
        }
        for (Span s : spans) {
            Cuda.check(JCudaDriver.cuEventSynchronize(s.stop()), "cuEventSynchronize");
            float[] ms = new float[1];
            Cuda.check(JCudaDriver.cuEventElapsedTime(ms, s.start(), s.stop()), "cuEventElapsedTime");
            double[] t = totals.computeIfAbsent(s.kernel(), k -> new double[2]);
            t[0]++;
            t[1] += ms[0];
            JCudaDriver.cuEventDestroy(s.start());
            JCudaDriver.cuEventDestroy(s.stop());
        }
        spans = null;
        return new LinkedHashMap<>(totals);
    }
}
