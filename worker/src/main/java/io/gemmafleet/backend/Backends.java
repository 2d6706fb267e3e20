package io.gemmafleet.backend;

import io.gemmafleet.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Resolves {@code --backend auto|cpu|cuda|...} to a usable {@link Backend}.
 *
 * <p>The CPU backend is always there; others are discovered on the class path with {@link ServiceLoader}.
 * {@code auto} takes the first discovered accelerator backend that reports itself available, else the CPU, and says
 * in one line why an accelerator was passed over. Naming an unavailable backend is an error with that reason.
 */
public final class Backends {

    public static final String AUTO = "auto";

    private Backends() {}

    /** Every backend on the class path, the CPU one last. */
    public static List<Backend> all() {
        List<Backend> found = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class)) {
            if (!b.name().equals(CpuBackend.NAME)) {
                found.add(b);
            }
        }
        found.add(new CpuBackend());
        return found;
    }

    /**
     * The backend to use for {@code choice}.
     *
     * @param notice receives one line when {@code auto} passes over an unavailable accelerator
     * @throws IllegalArgumentException for an unknown name or a named backend that cannot run here (the message
     *     says why and lists the names)
     */
    public static Backend select(String choice, Consumer<String> notice) {
        String wanted = choice == null ? AUTO : choice.toLowerCase(Locale.ROOT).strip();
        List<Backend> backends = all();
        if (wanted.equals(AUTO)) {
            for (Backend b : backends) {
                var reason = b.unavailableReason();
                if (reason.isEmpty()) {
                    return b;
                }
                notice.accept(b.name() + " backend not used: " + reason.get());
            }
            throw new IllegalStateException("no backend is available"); // unreachable: the CPU always is
        }
        for (Backend b : backends) {
            if (b.name().equals(wanted)) {
                var reason = b.unavailableReason();
                if (reason.isPresent()) {
                    throw new IllegalArgumentException("the " + wanted + " backend cannot run here: " + reason.get());
                }
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + choice + "' (choose from: " + AUTO + ", "
                + String.join(", ", backends.stream().map(Backend::name).toList()) + ")");
    }
}
