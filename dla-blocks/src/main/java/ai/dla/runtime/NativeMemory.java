package ai.dla.runtime;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Chooses the C allocator of the process so that PyTorch's CPU tensors are reused from step to step
 * instead of being mapped, page-faulted in and unmapped again at every step.
 *
 * <p>PyTorch allocates CPU tensors with {@code malloc} on the thread that runs the operation, in a
 * JVM a Java thread. glibc gives every thread that allocates an arena of its own, and an arena
 * other than the main one keeps its memory in heaps of at most 64 MiB, each an {@code mmap} that is
 * unmapped as soon as it empties; a tensor of 32 MiB or more (a 128 × 64 × 32 × 32 float
 * activation) is mapped on its own. So every training step mapped its large activations afresh and
 * the kernel zeroed them page by page: 20 steps of ResNet-20 at batch 128 took 1.6 million page
 * faults and 13 s of system time in 19 s, on a 2-core machine, and evaluation at batch 256 ran at a
 * tenth of its speed. Two settings end that (measured in {@code docs/benchmarks.md}):
 *
 * <ul>
 *   <li><b>tcmalloc</b> (gperftools' {@code libtcmalloc_minimal.so.4}, Debian's package {@code
 *       libtcmalloc-minimal4}), preloaded, with {@code TCMALLOC_RELEASE_RATE=0}: it keeps freed
 *       spans for reuse, page faults stay in the hundreds per step and resident memory stays
 *       nearly flat. Used wherever it is installed.
 *   <li><b>glibc</b> with {@link #TUNABLES}: every thread on the main arena ({@code arena_max=1}),
 *       large blocks served from it too ({@code mmap_max=0}) and its top never given back ({@code
 *       trim_threshold}). As fast, on every glibc system, but the single heap fragments: resident
 *       memory grew by 70% over 1,200 inference steps at batch 256, most of it in the first 600.
 * </ul>
 *
 * <p>Both must be in the environment when the process starts: glibc reads its settings once, the
 * JVM has started its threads (each with its arena) before any Java code runs, and an allocator
 * can only be preloaded. So {@link #restartWithAllocator()} re-executes the process with them (the
 * same process id, command line and environment, plus {@code LD_PRELOAD} or {@code
 * GLIBC_TUNABLES}); the {@code dla} tool does it for {@code train}, {@code eval} and {@code bench},
 * {@code spark-predict} for its driver and executors. An application of your own sets the
 * variable in its launcher (see the README), or calls {@link #restartWithAllocator()} first thing
 * in {@code main}. {@link #keepFreedMemory()} is the part of glibc's settings that a running
 * process can still change.
 *
 * <p>The system property {@value #PROPERTY} chooses: {@code auto} (the default: tcmalloc where
 * installed, else glibc's settings), {@code tcmalloc}, {@code glibc}, or {@code off} (the C
 * library's allocator as it comes).
 *
 * <p>Hand-written, over JNA's access to the C library (already on DJL's class path), because no
 * Java library re-executes a process in place.
 */
public final class NativeMemory {

    /** The system property that chooses the allocator: {@code auto}, {@code tcmalloc}, {@code glibc}, {@code off}. */
    public static final String PROPERTY = "dla.allocator";

    /** The environment variable glibc reads its settings from. */
    public static final String TUNABLES_VARIABLE = "GLIBC_TUNABLES";

    /** The environment variable that names libraries the dynamic linker loads first. */
    public static final String PRELOAD_VARIABLE = "LD_PRELOAD";

    /**
     * The environment variable of tcmalloc's pace of giving freed memory back to the system, which
     * the restart sets to 0 (never) unless it is set: given back, it is faulted in again at the
     * next step (measured: 1,200 page faults per ResNet-20 training step at the default pace, 465
     * at 0).
     */
    public static final String RELEASE_RATE_VARIABLE = "TCMALLOC_RELEASE_RATE";

    /** glibc's settings, in the form of {@value #TUNABLES_VARIABLE}. */
    public static final String TUNABLES =
            "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295";

    private static final List<String> TCMALLOC_NAMES = List.of("libtcmalloc_minimal.so.4", "libtcmalloc.so.4");
    private static final String ARENA_MAX = "glibc.malloc.arena_max";
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_MAX = -4;
    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    private static final int SIG_SETMASK = 2;
    private static final int SIGSET_BYTES = 128;
    private static final int FIRST_FD_TO_CLOSE = 3;

    private NativeMemory() {}

    /**
     * Re-executes this process with the allocator that {@value #PROPERTY} chooses, unless it has one
     * already. The process keeps its id, its command line, its environment and its standard
     * streams; the files it opened are closed; the new JVM starts from {@code main} again. Does
     * nothing, and returns, where {@link #isMissing()} is false: off Linux, off glibc, with {@code
     * -D}{@value #PROPERTY}{@code =off}, or where the process was started with an allocator setting
     * of its own. Call it first thing in {@code main}, before the process has done anything it
     * would do twice.
     *
     * <p>If the C library refuses to re-execute, a warning says why and the method returns; the
     * process then runs with {@link #keepFreedMemory()} alone.
     */
    public static void restartWithAllocator() {
        if (!isMissing()) {
            return;
        }
        try {
            List<byte[]> argv = split(Files.readAllBytes(Path.of("/proc/self/cmdline")));
            List<byte[]> env = split(Files.readAllBytes(Path.of("/proc/self/environ")));
            String choice = choice();
            Optional<Path> tcmalloc = choice.equals("glibc") ? Optional.empty() : tcmalloc();
            if (tcmalloc.isEmpty() && choice.equals("tcmalloc")) {
                logger().warn("-D{}=tcmalloc, but no {} is installed (apt-get install libtcmalloc-minimal4);"
                        + " using glibc's settings", PROPERTY, TCMALLOC_NAMES.get(0));
            }
            if (tcmalloc.isPresent()) {
                env = withVariable(env, PRELOAD_VARIABLE, old -> joined(tcmalloc.get().toString(), old, " "));
                env = withVariable(env, RELEASE_RATE_VARIABLE, old -> old == null ? "0" : old);
            } else {
                env = withVariable(env, TUNABLES_VARIABLE, old -> joined(old, TUNABLES, ":"));
            }
            NativeLibrary libc = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
            closeOnExec(libc.getFunction("fcntl"));
            Memory noSignals = new Memory(SIGSET_BYTES);
            noSignals.clear();
            libc.getFunction("sigprocmask").invokeInt(new Object[] {SIG_SETMASK, noSignals, null});
            List<Memory> keep = new ArrayList<>();
            libc.getFunction("execve").invokeInt(new Object[] {"/proc/self/exe", pointers(argv, keep),
                pointers(env, keep)});
            logger().warn("could not restart the JVM with its allocator (errno {}); running with glibc's"
                    + " per-thread arenas, which make large tensors page-fault in at every step", Native.getLastError());
        } catch (IOException | UnsatisfiedLinkError e) {
            logger().warn("could not restart the JVM with its allocator ({}); running with glibc's per-thread"
                    + " arenas", e.getMessage());
        }
    }

    /**
     * Returns whether this process runs on glibc without an allocator setting, and wants one: not
     * turned off by {@value #PROPERTY}, and started without {@code glibc.malloc.arena_max} in
     * {@value #TUNABLES_VARIABLE} and without a preloaded allocator. {@link #restartWithAllocator()}
     * restarts exactly such a process.
     *
     * @return true if the setting is missing
     */
    public static boolean isMissing() {
        return !choice().equals("off") && isGlibc()
                && !hasOwnSetting(System.getenv(TUNABLES_VARIABLE), System.getenv(PRELOAD_VARIABLE));
    }

    /**
     * Makes glibc serve large blocks from its heap instead of {@code mmap} and never trim the heap,
     * in this process, from now on: the part of {@link #TUNABLES} that can be set after start. It
     * does not move threads off their own arenas; for that, see {@link #restartWithAllocator()}.
     * Does nothing off Linux, where the C library has no {@code mallopt}, where a preloaded
     * allocator serves {@code malloc}, or with {@code -D}{@value #PROPERTY}{@code =off}.
     *
     * @return whether glibc's allocator accepted both settings
     */
    public static boolean keepFreedMemory() {
        if (choice().equals("off") || !Platform.isLinux() || preloadsAllocator(System.getenv(PRELOAD_VARIABLE))) {
            return false;
        }
        try {
            Function mallopt = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
            return mallopt.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1
                    & mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, Integer.MAX_VALUE}) == 1;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    /**
     * Says which allocator this process runs with, for benchmarks and logs.
     *
     * @return one line, such as {@code tcmalloc (LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4)}
     */
    public static String describe() {
        String preload = System.getenv(PRELOAD_VARIABLE);
        String tunables = System.getenv(TUNABLES_VARIABLE);
        if (preloadsAllocator(preload)) {
            String rate = System.getenv(RELEASE_RATE_VARIABLE);
            return (preload.contains("tcmalloc") ? "tcmalloc" : "a preloaded allocator") + " (" + PRELOAD_VARIABLE
                    + "=" + preload + (rate == null ? "" : ", " + RELEASE_RATE_VARIABLE + "=" + rate) + ")";
        }
        if (!isGlibc()) {
            return "the C library's own allocator (not glibc)";
        }
        if (hasOwnSetting(tunables, null)) {
            return tunables.contains(TUNABLES) ? "glibc malloc, one arena, freed memory kept (" + TUNABLES_VARIABLE + ")"
                    : "glibc malloc as started (" + TUNABLES_VARIABLE + "=" + tunables + ")";
        }
        return choice().equals("off") ? "glibc malloc as it comes (-D" + PROPERTY + "=off)"
                : "glibc malloc, per-thread arenas: large tensors are page-faulted in at every step";
    }

    /**
     * Returns the tcmalloc library installed on this machine, if any: {@code libtcmalloc_minimal.so.4}
     * or {@code libtcmalloc.so.4} in the system's library folders for this architecture.
     *
     * @return its path, or empty
     */
    public static Optional<Path> tcmalloc() {
        String triplet = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            default -> System.getProperty("os.arch") + "-linux-gnu";
        };
        return Stream.of("/usr/lib/" + triplet, "/usr/lib64", "/usr/lib")
                .flatMap(dir -> TCMALLOC_NAMES.stream().map(name -> Path.of(dir, name)))
                .filter(Files::isReadable)
                .findFirst();
    }

    /**
     * Returns whether the process was started with an allocator setting of its own, which {@link
     * #restartWithAllocator()} leaves alone: {@code glibc.malloc.arena_max} in glibc's settings, or
     * a preloaded library whose name says it is an allocator.
     */
    static boolean hasOwnSetting(String tunables, String preload) {
        return tunables != null && tunables.contains(ARENA_MAX) || preloadsAllocator(preload);
    }

    /** Whether {@code LD_PRELOAD} names an allocator: tcmalloc, jemalloc, mimalloc and the like. */
    private static boolean preloadsAllocator(String preload) {
        return preload != null && preload.contains("malloc");
    }

    /**
     * Joins two values of a list variable, either of which may be missing: the preloaded allocator
     * goes before the libraries a user preloads, glibc's settings after the user's other settings.
     */
    static String joined(String first, String second, String separator) {
        if (first == null || first.isBlank()) {
            return second;
        }
        return second == null || second.isBlank() ? first : first + separator + second;
    }

    /** The value of {@value #PROPERTY}, checked. */
    private static String choice() {
        String choice = System.getProperty(PROPERTY, "auto");
        if (!List.of("auto", "tcmalloc", "glibc", "off").contains(choice)) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + choice + " is not a choice: give auto,"
                    + " tcmalloc, glibc or off");
        }
        return choice;
    }

    /** The logger, found only when needed: the restart runs before the application configures logging. */
    private static Logger logger() {
        return LoggerFactory.getLogger(NativeMemory.class);
    }

    private static boolean isGlibc() {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("gnu_get_libc_version");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    /** The environment as read from the kernel, with one variable set from its old value (or null). */
    private static List<byte[]> withVariable(List<byte[]> environment, String variable, UnaryOperator<String> value) {
        byte[] prefix = (variable + "=").getBytes(StandardCharsets.US_ASCII);
        List<byte[]> env = new ArrayList<>();
        String old = null;
        for (byte[] entry : environment) {
            if (entry.length >= prefix.length && Arrays.equals(entry, 0, prefix.length, prefix, 0, prefix.length)) {
                old = new String(entry, prefix.length, entry.length - prefix.length, StandardCharsets.UTF_8);
            } else {
                env.add(entry);
            }
        }
        env.add((variable + "=" + value.apply(old)).getBytes(StandardCharsets.UTF_8));
        return env;
    }

    /** Marks every descriptor above standard error close-on-exec, so the new JVM inherits none. */
    private static void closeOnExec(Function fcntl) throws IOException {
        List<Integer> fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            fds = open.map(p -> Integer.parseInt(p.getFileName().toString())).filter(fd -> fd >= FIRST_FD_TO_CLOSE)
                    .toList();
        }
        for (int fd : fds) {
            int flags = fcntl.invokeInt(new Object[] {fd, F_GETFD});
            if (flags >= 0) {
                fcntl.invokeInt(new Object[] {fd, F_SETFD, flags | FD_CLOEXEC});
            }
        }
    }

    /** The NUL-separated strings of a {@code /proc} file, as their bytes. */
    private static List<byte[]> split(byte[] block) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < block.length; i++) {
            if (block[i] == 0) {
                parts.add(Arrays.copyOfRange(block, start, i));
                start = i + 1;
            }
        }
        return parts;
    }

    /** A NULL-terminated C array of NUL-terminated strings; {@code keep} holds the memory until the call. */
    private static Memory pointers(List<byte[]> strings, List<Memory> keep) {
        Memory array = new Memory((long) (strings.size() + 1) * Native.POINTER_SIZE);
        for (int i = 0; i < strings.size(); i++) {
            byte[] s = strings.get(i);
            Memory c = new Memory(s.length + 1L);
            c.write(0, s, 0, s.length);
            c.setByte(s.length, (byte) 0);
            keep.add(c);
            array.setPointer((long) i * Native.POINTER_SIZE, c);
        }
        array.setPointer((long) strings.size() * Native.POINTER_SIZE, Pointer.NULL);
        keep.add(array);
        return array;
    }
}
