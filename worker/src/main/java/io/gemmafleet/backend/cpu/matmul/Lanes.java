package io.gemmafleet.backend.cpu.matmul;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every CPU kernel uses, fixed once as constants: the JIT only compiles Vector API code to
 * SIMD instructions when the species is a {@code static final} constant.
 *
 * <p>{@link #F} is the widest float vector the CPU prefers (16 lanes with AVX-512, 8 with AVX2); the byte, short
 * and int species have the same lane count, so a conversion between them keeps lanes aligned.
 */
final class Lanes {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static {
        if (I.length() != L || ByteVector.SPECIES_PREFERRED.vectorBitSize() != F.vectorBitSize()
                || ShortVector.SPECIES_PREFERRED.vectorBitSize() != F.vectorBitSize() || L < 4 || 32 % L != 0) {
            throw new IllegalStateException("unexpected vector shape " + F);
        }
    }

    private Lanes() {}
}
