package io.gemmafleet.model.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link KScales#unpack}, the kernels' two-load reading of the scale field, against the per-sub-block readers. */
class KScalesTest {

    @Test
    void unpackGivesEveryScaleAndMinOfTheField() {
        SplittableRandom random = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(64);
            int[] scales = new int[8];
            int[] mins = new int[8];
            for (int trial = 0; trial < 1000; trial++) {
                int at = random.nextInt(0, 52); // unaligned field starts too
                for (int i = 0; i < 64; i++) {
                    data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
                }
                KScales.unpack(data, at, scales, mins);
                for (int j = 0; j < 8; j++) {
                    assertEquals(KScales.scale(data, at, j), scales[j], "scale " + j);
                    assertEquals(KScales.min(data, at, j), mins[j], "min " + j);
                }
            }
        }
    }
}
