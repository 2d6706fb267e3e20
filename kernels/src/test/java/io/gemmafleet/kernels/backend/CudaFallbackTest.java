package io.gemmafleet.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.Backends;
import io.gemmafleet.kernels.cuda.CudaProbe;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** On a machine without a GPU or driver (CI), the CUDA backend is found, reports why it cannot run, and steps aside. */
class CudaFallbackTest {

    @Test
    void theCudaBackendIsDiscoveredThroughServiceLoader() {
        assertTrue(Backends.all().stream().anyMatch(b -> b.name().equals(CudaBackend.NAME)));
    }

    @Test
    void withoutAGpuAutoFallsBackToTheCpuWithOneLine() {
        assumeTrue(CudaProbe.unavailableReason().isPresent(), "this machine has a usable GPU: nothing to fall back from");
        List<String> notices = new ArrayList<>();
        Backend chosen = Backends.select("auto", notices::add);
        assertEquals("cpu", chosen.name());
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.getFirst().startsWith("cuda backend not used: "), notices.getFirst());
        assertFalse(notices.getFirst().contains("\n"), "one line: " + notices.getFirst());
    }

    @Test
    void namingCudaWithoutAGpuIsAClearError() {
        assumeTrue(CudaProbe.unavailableReason().isPresent(), "this machine has a usable GPU");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.select("cuda", s -> {}));
        assertTrue(e.getMessage().startsWith("the cuda backend cannot run here: "), e.getMessage());
    }

    @Test
    void theProbeAnswersTheSameEveryTime() {
        assertEquals(CudaProbe.unavailableReason(), CudaProbe.unavailableReason());
    }
}
