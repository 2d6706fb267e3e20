package io.gemmafleet.model.safetensors;

import io.gemmafleet.model.tensor.GgmlType;
import java.util.Set;

/** Maps safetensors dtype strings to the element types we run, and back. */
final class SafetensorsDtypes {

    /** Dtypes the safetensors format defines that we recognise but cannot run. */
    static final Set<String> KNOWN_UNSUPPORTED = Set.of("F64", "I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64",
            "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private SafetensorsDtypes() {}

    /** The type for {@code dtype}, or null when it is not one of F32, F16, BF16. */
    static GgmlType toGgml(String dtype) {
        return switch (dtype) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            default -> null;
        };
    }

    static String toDtype(GgmlType type) {
        return switch (type) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new IllegalArgumentException("safetensors cannot store " + type
                    + " (only F32, F16, BF16)");
        };
    }
}
