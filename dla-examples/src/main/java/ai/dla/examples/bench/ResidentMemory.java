package ai.dla.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The resident memory of this process, native allocations included, read from Linux's {@code
 * /proc/self/status}. Elsewhere both readings are empty.
 */
public final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    /**
     * Returns the resident memory now ({@code VmRSS}).
     *
     * @return bytes, or empty where the kernel does not report it
     */
    public static OptionalLong current() {
        return read("VmRSS:");
    }

    /**
     * Returns the highest resident memory of the process so far ({@code VmHWM}).
     *
     * @return bytes, or empty where the kernel does not report it
     */
    public static OptionalLong peak() {
        return read("VmHWM:");
    }

    /**
     * Formats a reading in mebibytes.
     *
     * @param bytes a reading
     * @return for example {@code 812 MiB}, or {@code n/a}
     */
    public static String format(OptionalLong bytes) {
        return bytes.isPresent() ? (bytes.getAsLong() >> 20) + " MiB" : "n/a";
    }

    private static OptionalLong read(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    String kib = line.substring(key.length()).trim().split("\\s+")[0];
                    return OptionalLong.of(Long.parseLong(kib) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
