package io.gemmafleet.kernels.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gemmafleet.kernels.cuda.Cuda;
import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaProbe;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import io.gemmafleet.kernels.ops.KernelLibrary;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

/**
 * The GPU check, run on a machine with an NVIDIA GPU by {@code kernels/gpu-check/run.sh}:
 * <ul>
 *   <li>{@code kernels [--json F]}: every kernel against its plain Java reference; also with the PTX compiled by
 *       the bundled compiler ({@code -Dgemmafleet.cuda.jit=always}) when run that way;</li>
 *   <li>{@code parity --model M --prompt 2,818,... --steps N [--json F]}: CUDA greedy tokens against the CPU
 *       backend's, and four sequences batched against each alone;</li>
 *   <li>{@code bench --model M --batches 1,8,32,64 --steps N [--prompt-len P] [--json F]}: decode step time and the
 *       achieved weight bandwidth against the card's measured device-to-device copy bandwidth.</li>
 * </ul>
 * Exit status 0 when every check passed, 1 when one failed, 2 for bad arguments or no usable GPU.
 */
public final class GpuCheck {

    private GpuCheck() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            usage("a subcommand is required");
        }
        var reason = CudaProbe.unavailableReason();
        if (reason.isPresent()) {
            System.err.println("gpu-check: no usable GPU: " + reason.get());
            System.exit(2);
        }
        Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
        Map<String, Object> report = new LinkedHashMap<>();
        boolean passed = switch (args[0]) {
            case "kernels" -> kernels(report);
            case "parity" -> parity(options, report);
            case "bench" -> bench(options, report);
            case "oom" -> outOfMemory(report);
            case "profile" -> {
                System.out.println("profile " + options.get("model"));
                report.putAll(ModelChecks.profile(required(options, "model"),
                        ints(options.getOrDefault("batches", "1,8,64")), Integer.parseInt(options.getOrDefault("steps",
                                "4")), Integer.parseInt(options.getOrDefault("prompt-len", "64"))));
                yield true;
            }
            default -> {
                usage("unknown subcommand " + args[0]);
                yield false;
            }
        };
        if (options.containsKey("json")) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(options.get("json")),
                    report);
        }
        System.exit(passed ? 0 : 1);
    }

    private static boolean kernels(Map<String, Object> report) {
        try (CudaDevice device = CudaDevice.open(0)) {
            long start = System.nanoTime();
            KernelLibrary kernels = new KernelLibrary(device);
            System.out.printf("device %s; modules loaded in %d ms (jit=%s)%n", device,
                    (System.nanoTime() - start) / 1_000_000, System.getProperty("gemmafleet.cuda.jit", "if needed"));
            List<KernelChecks.Result> results = new KernelChecks(device, kernels).runAll();
            List<Map<String, Object>> rows = new ArrayList<>();
            boolean all = true;
            for (KernelChecks.Result r : results) {
                System.out.printf("  %-4s %-80s error %.2e (tolerance %.0e)%n", r.passed() ? "ok" : "FAIL", r.name(),
                        r.error(), r.tolerance());
                rows.add(KernelChecks.toJson(r));
                all &= r.passed();
            }
            report.put("device", device.toString());
            report.put("jit", System.getProperty("gemmafleet.cuda.jit", "if needed"));
            report.put("checks", rows);
            report.put("passed", all);
            System.out.println(all ? "kernels: all " + results.size() + " checks passed"
                    : "kernels: SOME CHECKS FAILED");
            return all;
        }
    }

    private static boolean parity(Map<String, String> options, Map<String, Object> report) {
        int[] prompt = ints(required(options, "prompt"));
        int steps = Integer.parseInt(options.getOrDefault("steps", "32"));
        int threads = Integer.parseInt(options.getOrDefault("cpu-threads", "0"));
        Map<String, Object> r = ModelChecks.parity(required(options, "model"), prompt, steps, threads);
        report.putAll(r);
        boolean ok = Boolean.TRUE.equals(r.get("equal")) && Boolean.TRUE.equals(r.get("batched_equal_alone"))
                && Boolean.TRUE.equals(r.get("graphs_equal_eager"));
        System.out.printf("parity %s: cpu==cuda %s (first difference at %s), batched==alone %s, graphs==eager %s, "
                        + "sampled cpu==cuda %s, prefill logits %s%n  cpu  %s%n  cuda %s%n", options.get("model"), r.get("equal"),
                r.get("first_difference"), r.get("batched_equal_alone"), r.get("graphs_equal_eager"),
                r.get("sampled_equal"), r.get("prefill_logits"), r.get("cpu"), r.get("cuda"));
        return ok;
    }

    private static boolean bench(Map<String, String> options, Map<String, Object> report) {
        double copy;
        try (CudaDevice device = CudaDevice.open(0)) {
            copy = copyBandwidth(device);
            report.put("device", device.toString());
        }
        System.out.printf("device-to-device copy: %.0f GB/s (bytes read + written)%n", copy / 1e9);
        report.put("copy_bandwidth_GBps", copy / 1e9);
        int[] batches = ints(options.getOrDefault("batches", "1,8,32,64"));
        int steps = Integer.parseInt(options.getOrDefault("steps", "32"));
        int promptLength = Integer.parseInt(options.getOrDefault("prompt-len", "64"));
        System.out.println("bench " + options.get("model"));
        List<Boolean> graphModes = switch (options.getOrDefault("graphs", "both")) {
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            default -> List.of(true, false);
        };
        report.putAll(ModelChecks.bench(required(options, "model"), batches, steps, promptLength, copy, graphModes));
        return true;
    }

    /** An allocation larger than the free memory must be a DeviceOutOfMemoryException, and the device usable after. */
    private static boolean outOfMemory(Map<String, Object> report) {
        try (CudaDevice device = CudaDevice.open(0)) {
            long free = device.memoryInfo()[0];
            String outcome;
            boolean ok;
            try (DeviceBuffer b = device.allocate(free + (1L << 30), CudaDevice.Purpose.WEIGHTS, "too much")) {
                outcome = "allocated " + b.bytes() + " bytes with " + free + " free";
                ok = false;
            } catch (io.gemmafleet.kernels.cuda.DeviceOutOfMemoryException e) {
                outcome = e.getMessage();
                ok = true;
            }
            try (DeviceBuffer after = device.allocate(1L << 20, CudaDevice.Purpose.WEIGHTS, "after")) {
                ok &= after.bytes() > 0;
            }
            report.put("free_bytes", free);
            report.put("outcome", outcome);
            report.put("passed", ok);
            System.out.println("oom: " + (ok ? "ok" : "FAIL") + ": " + outcome);
            return ok;
        }
    }

    /** Device-to-device copy of 2 GiB, best of 5, counting bytes read and written (as the card's ceiling). */
    static double copyBandwidth(CudaDevice device) {
        long bytes = 2L << 30;
        try (DeviceBuffer a = device.allocate(bytes, CudaDevice.Purpose.ACTIVATIONS, "copy source");
             DeviceBuffer b = device.allocate(bytes, CudaDevice.Purpose.ACTIVATIONS, "copy target")) {
            CUevent start = new CUevent();
            CUevent stop = new CUevent();
            Cuda.check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
            Cuda.check(JCudaDriver.cuEventCreate(stop, 0), "cuEventCreate");
            float best = Float.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                Cuda.check(JCudaDriver.cuEventRecord(start, device.stream()), "cuEventRecord");
                Cuda.check(JCudaDriver.cuMemcpyDtoDAsync(b.pointer(), a.pointer(), bytes, device.stream()),
                        "cuMemcpyDtoDAsync");
                Cuda.check(JCudaDriver.cuEventRecord(stop, device.stream()), "cuEventRecord");
                Cuda.check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
                float[] ms = new float[1];
                Cuda.check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
                if (i > 0) {
                    best = Math.min(best, ms[0]);
                }
            }
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
            return 2.0 * bytes / (best / 1e3);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("expected --name value pairs, got " + args[i]);
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null) {
            usage("--" + name + " is required");
        }
        return v;
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    private static void usage(String problem) {
        System.err.println("gpu-check: " + problem);
        System.err.println("usage: GpuCheck kernels [--json F] | parity --model M --prompt IDS [--steps N] [--json F]"
                + " | oom | profile --model M [--batches 1,8,64] | bench --model M [--batches 1,8,32,64] [--steps N] [--prompt-len P] [--graphs on|off|both] [--json F]");
        System.exit(2);
    }
}
