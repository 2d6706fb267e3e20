package io.gemmafleet.backend.cpu.matmul;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species the CPU kernels use, fixed once as constants: the JIT only compiles Vector API code to SIMD
 * instructions when the species is a {@code static final} constant.
 *
 * <p>Plain-float kernels use the widest float vector the CPU prefers ({@link #F}: 16 lanes with AVX-512, 8 with
 * AVX2). Quantized kernels decode 8 weights at a time into 256-bit vectors ({@link #Q}, with the 8-byte
 * {@link #QB}): 8 lanes divide a 32-weight block evenly, and 256-bit operations are native on every AVX2 and
 * AVX-512 machine. Kernels that multiply int8 activations work on 16-bit lanes of the same width ({@link #QS}). {@link #SIMD_OK} is false on CPUs without 256-bit vectors, where the kernels would be emulated
 * (far slower than scalar code) and {@link PackedMatrix#of} uses the plain reference path instead.
 */
final class Lanes {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    static final VectorSpecies<Float> Q = FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> QB = ByteVector.SPECIES_64;
    static final VectorSpecies<Integer> QI = IntVector.SPECIES_256;
    static final int QL = 8;
    /** Int8-activation kernels: 16 packed bytes widened to 16 shorts of a 256-bit vector. */
    static final VectorSpecies<Byte> QB16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> QS = ShortVector.SPECIES_256;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Whether the CPU has native vectors of at least 256 bits. */
    static final boolean SIMD_OK = F.vectorBitSize() >= 256 && ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    private Lanes() {}
}
