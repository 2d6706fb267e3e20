package io.gemmafleet.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;
import jcuda.nvptxcompiler.nvPTXCompileResult;

/**
 * Loads our shipped PTX into the current context, on drivers older than the toolkit that wrote it too.
 *
 * <p>The PTX in the jar comes from the build machines' nvcc (CUDA 13.0, PTX ISA 9.0), which only a driver for
 * CUDA 13.0 or newer accepts. On an older driver the load fails with {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION};
 * then the PTX is compiled to machine code for the device here, with the PTX compiler that {@code jcuda-natives}
 * bundles (which reads PTX ISA up to 8.0), after lowering the module's {@code .version} line to that ISA. Our
 * kernels use no instruction newer than ISA 8.0 (a CI test compiles every shipped module this way for sm_80, 86,
 * 89 and 90), and a cubin made by a CUDA 12.x compiler loads on any CUDA 12.x or newer driver (NVIDIA's minor
 * version compatibility), so the oldest supported driver is the first CUDA 12.0 one, 525.60.13.
 *
 * <p>{@code -Dgemmafleet.cuda.jit=always} forces the compile path (used by the GPU check to exercise it).
 */
public final class PtxLoader {

    /** Resource folder of the shipped PTX, one module per kernel family. */
    public static final String RESOURCE_DIR = "/io/gemmafleet/kernels/ptx/";

    /** The highest PTX ISA the bundled compiler reads (its own error message says 8.0, though jcuda is 12.6). */
    static final String BUNDLED_COMPILER_ISA = "8.0";

    private static final Pattern VERSION = Pattern.compile("(?m)^\\.version\\s+(\\d+\\.\\d+)\\s*$");

    private PtxLoader() {}

    /** Reads a shipped module's PTX text. */
    public static String shippedPtx(String module) {
        String path = RESOURCE_DIR + module + ".ptx";
        try (InputStream in = PtxLoader.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("kernel module " + path + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads {@code module} into the current context of {@code device}. */
    public static CUmodule load(String module, CudaDevice device) {
        String ptx = shippedPtx(module);
        boolean forceJit = "always".equals(System.getProperty("gemmafleet.cuda.jit"));
        if (!forceJit) {
            CUmodule loaded = new CUmodule();
            int result = JCudaDriver.cuModuleLoadData(loaded, nulTerminated(ptx.getBytes(StandardCharsets.US_ASCII)));
            if (result == CUresult.CUDA_SUCCESS) {
                return loaded;
            }
            if (result != CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION && result != CUresult.CUDA_ERROR_INVALID_PTX) {
                Cuda.check(result, "loading kernel module " + module);
            }
        }
        byte[] cubin;
        try {
            cubin = compile(ptx, device.computeCapability());
        } catch (RuntimeException | LinkageError e) {
            throw new CudaException("the driver (CUDA " + Cuda.versionName(device.driverVersion()) + ") cannot load "
                    + "kernel module " + module + " (PTX ISA " + isaOf(ptx) + " from CUDA 13.0), and compiling it "
                    + "with the bundled PTX compiler (ISA 8.0) failed: " + e.getMessage()
                    + ". Update the NVIDIA driver to 525.60 or newer.", 0);
        }
        CUmodule loaded = new CUmodule();
        Cuda.check(JCudaDriver.cuModuleLoadData(loaded, cubin), "loading compiled kernel module " + module
                + " on driver CUDA " + Cuda.versionName(device.driverVersion()));
        return loaded;
    }

    /**
     * Compiles PTX to a cubin for {@code sm_<computeCapability>} with the bundled PTX compiler, after lowering the
     * ISA version to what that compiler reads. Needs no GPU and no driver.
     */
    public static byte[] compile(String ptx, int computeCapability) {
        String lowered = VERSION.matcher(ptx).replaceFirst(".version " + BUNDLED_COMPILER_ISA);
        byte[] code = lowered.getBytes(StandardCharsets.US_ASCII);
        nvPTXCompilerHandle handle = new nvPTXCompilerHandle();
        check(JNvPTXCompiler.nvPTXCompilerCreate(handle, code.length, code), "nvPTXCompilerCreate", null);
        try {
            String[] options = {"--gpu-name=sm_" + computeCapability, "-O3"};
            int result = JNvPTXCompiler.nvPTXCompilerCompile(handle, options.length, options);
            check(result, "nvPTXCompilerCompile for sm_" + computeCapability, handle);
            long[] size = new long[1];
            check(JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize(handle, size), "size", handle);
            byte[] cubin = new byte[(int) size[0]];
            check(JNvPTXCompiler.nvPTXCompilerGetCompiledProgram(handle, cubin), "program", handle);
            return cubin;
        } finally {
            JNvPTXCompiler.nvPTXCompilerDestroy(handle);
        }
    }

    /** The {@code .version} a PTX text declares. */
    public static String isaOf(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        return m.find() ? m.group(1) : "?";
    }

    private static void check(int result, String what, nvPTXCompilerHandle handle) {
        if (result == nvPTXCompileResult.NVPTXCOMPILE_SUCCESS) {
            return;
        }
        String log = "";
        if (handle != null) {
            long[] size = new long[1];
            if (JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(handle, size) == 0 && size[0] > 1) {
                byte[] bytes = new byte[(int) size[0]];
                JNvPTXCompiler.nvPTXCompilerGetErrorLog(handle, bytes);
                log = ": " + new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII).strip();
            }
        }
        throw new IllegalStateException(what + " returned " + nvPTXCompileResult.stringFor(result) + log);
    }

    private static byte[] nulTerminated(byte[] bytes) {
        byte[] out = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        out[bytes.length] = 0;
        return out;
    }
}
