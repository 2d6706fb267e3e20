package io.gemmafleet.engine.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sizes as operators write them for {@code --memory-budget}. */
class ByteSizeTest {

    @Test
    void binaryUnitsAndBareLettersArePowersOf1024() {
        assertEquals(512L << 20, ByteSize.parse("512MiB"));
        assertEquals(8L << 30, ByteSize.parse("8GiB"));
        assertEquals(8L << 30, ByteSize.parse("8G"));
        assertEquals(3L << 10, ByteSize.parse("3k"));
        assertEquals(2L << 40, ByteSize.parse("2TiB"));
        assertEquals(512L << 20, ByteSize.parse(" 512 mib "));
    }

    @Test
    void plainNumbersAndBAreBytes() {
        assertEquals(1_073_741_824L, ByteSize.parse("1073741824"));
        assertEquals(100L, ByteSize.parse("100B"));
        assertEquals(0L, ByteSize.parse("0"));
    }

    @Test
    void decimalUnitsArePowersOf1000() {
        assertEquals(8_000_000_000L, ByteSize.parse("8GB"));
        assertEquals(500_000L, ByteSize.parse("500kb"));
    }

    @Test
    void fractionsRoundDownToWholeBytes() {
        assertEquals(3L << 29, ByteSize.parse("1.5GiB"));
        assertEquals(1L, ByteSize.parse("1.9"));
    }

    @Test
    void anythingElseIsRefusedWithTheAcceptedForms() {
        for (String bad : new String[] {"", "GiB", "-1GiB", "8 gigs", "1e9", "8GiB free", "0x100"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertTrue(e.getMessage().contains("8GiB, 512MiB"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(null));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("9000000TiB"));
    }

    @Test
    void formatPicksTheLargestBinaryUnit() {
        assertEquals("512 B", ByteSize.format(512));
        assertEquals("512 MiB", ByteSize.format(512L << 20));
        assertEquals("1.5 GiB", ByteSize.format(3L << 29));
        assertEquals("33.25 MiB", ByteSize.format((133L << 20) / 4));
    }
}
