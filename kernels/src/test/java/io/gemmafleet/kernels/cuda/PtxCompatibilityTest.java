package io.gemmafleet.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.kernels.ops.KernelLibrary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The old-driver path needs no GPU to check: every shipped module, with its ISA lowered, must compile with the
 * bundled CUDA 12.6 PTX compiler for each architecture we claim (A100 sm_80, RTX 30xx sm_86, RTX 40xx/L4 sm_89,
 * H100/H200 sm_90). If a kernel starts using an instruction newer than that ISA, this fails here, not on a user's
 * rented GPU.
 */
class PtxCompatibilityTest {

    private static final int[] ARCHITECTURES = {80, 86, 89, 90};

    @TestFactory
    List<DynamicTest> everyModuleCompilesWithTheBundledPtxCompiler() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String module : KernelLibrary.MODULES) {
            for (int sm : ARCHITECTURES) {
                tests.add(DynamicTest.dynamicTest(module + " for sm_" + sm, () -> {
                    byte[] cubin = PtxLoader.compile(PtxLoader.shippedPtx(module), sm);
                    assertTrue(cubin.length > 64, "an empty cubin for " + module);
                    // an ELF image: the driver's cuModuleLoadData takes it as is
                    assertTrue(cubin[0] == 0x7f && cubin[1] == 'E' && cubin[2] == 'L' && cubin[3] == 'F');
                }));
            }
        }
        return tests;
    }
}
