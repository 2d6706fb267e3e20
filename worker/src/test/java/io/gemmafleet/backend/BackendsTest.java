package io.gemmafleet.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Backends#select} with an unusable accelerator on the class path ({@link FakeGpuBackend}). */
class BackendsTest {

    @Test
    void theFakeAcceleratorIsDiscoveredBeforeTheCpu() {
        List<String> names = Backends.all().stream().map(Backend::name).toList();
        assertTrue(names.contains(FakeGpuBackend.NAME), names.toString());
        assertEquals(CpuBackend.NAME, names.getLast(), names.toString());
    }

    @Test
    void autoPassesOverTheUnavailableAcceleratorToTheCpuWithOneNotice() {
        List<String> notices = new ArrayList<>();
        Backend chosen = Backends.select("auto", notices::add);
        assertEquals(CpuBackend.NAME, chosen.name());
        List<String> fake = notices.stream().filter(n -> n.contains(FakeGpuBackend.NAME)).toList();
        assertEquals(1, fake.size(), notices.toString());
        assertTrue(fake.getFirst().contains(FakeGpuBackend.REASON), fake.getFirst());
        assertTrue(notices.stream().noneMatch(n -> n.contains("\n")), "one line each: " + notices);
    }

    @Test
    void absentChoiceMeansAuto() {
        assertEquals(CpuBackend.NAME, Backends.select(null, n -> {}).name());
    }

    @Test
    void cpuByNameNeedsNoNotice() {
        List<String> notices = new ArrayList<>();
        assertEquals(CpuBackend.NAME, Backends.select("cpu", notices::add).name());
        assertEquals(CpuBackend.NAME, Backends.select(" CPU ", notices::add).name());
        assertEquals(List.of(), notices);
    }

    @Test
    void namingTheUnavailableAcceleratorFailsWithItsReason() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.select("fakegpu", n -> {}));
        assertTrue(e.getMessage().contains(FakeGpuBackend.NAME), e.getMessage());
        assertTrue(e.getMessage().contains(FakeGpuBackend.REASON), e.getMessage());
    }

    @Test
    void anUnknownNameListsTheNames() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.select("nope", n -> {}));
        for (String name : List.of("nope", "auto", "cpu", FakeGpuBackend.NAME)) {
            assertTrue(e.getMessage().contains(name), name + " missing from: " + e.getMessage());
        }
    }
}
