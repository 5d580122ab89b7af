package ai.dla.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The kernel's counters of this process at one moment, from Linux's {@code /proc/self/stat}: system
 * (kernel) time and minor page faults, all threads together. Two readings tell how much of a
 * stretch of work went to the kernel, which is how a storm of page faults shows. Hand-written
 * because the JDK's management beans report CPU time but neither system time nor page faults.
 *
 * @param nanos {@link System#nanoTime()} at the reading
 * @param systemSeconds CPU time spent in the kernel since the process started, or -1 where unknown
 * @param minorFaults page faults served without I/O since the process started, or -1 where unknown
 */
public record ProcessCounters(long nanos, double systemSeconds, long minorFaults) {

    private static final Path STAT = Path.of("/proc/self/stat");
    private static final double TICKS_PER_SECOND = 100;
    private static final int MINOR_FAULTS = 7;
    private static final int SYSTEM_TICKS = 12;

    /**
     * Reads the counters now.
     *
     * @return the reading; its counters are -1 off Linux
     */
    public static ProcessCounters now() {
        long nanos = System.nanoTime();
        try {
            String stat = new String(Files.readAllBytes(STAT), StandardCharsets.US_ASCII);
            // The fields after the command name, which is in parentheses and may hold spaces.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new ProcessCounters(nanos, Long.parseLong(fields[SYSTEM_TICKS]) / TICKS_PER_SECOND,
                    Long.parseLong(fields[MINOR_FAULTS]));
        } catch (IOException | RuntimeException e) {
            return new ProcessCounters(nanos, -1, -1);
        }
    }

    /**
     * Describes the work since an earlier reading: the system time's share of the wall time, and
     * the page faults per step.
     *
     * @param earlier the reading at the start of the work
     * @param steps the steps (batches) done in between, for the faults per step
     * @return such as {@code system time 2.1% of wall, 12 minor page faults per step}, or {@code
     *     system time n/a} where the kernel does not report it
     */
    public String since(ProcessCounters earlier, int steps) {
        if (systemSeconds < 0 || earlier.systemSeconds < 0) {
            return "system time n/a";
        }
        double wall = (nanos - earlier.nanos) / 1e9;
        return String.format(Locale.ROOT, "system time %.1f%% of wall, %.0f minor page faults per step",
                100 * (systemSeconds - earlier.systemSeconds) / wall,
                (minorFaults - earlier.minorFaults) / (double) Math.max(1, steps));
    }
}
