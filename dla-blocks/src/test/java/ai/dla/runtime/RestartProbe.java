package ai.dla.runtime;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A process for {@link NativeMemoryTest}: prints its id, {@code GLIBC_TUNABLES}, {@code
 * LD_PRELOAD}, its arguments and how many descriptors it has open on a file, opens that file and
 * restarts with its allocator (the new image prints the same line again), then lets a new thread
 * allocate, prints the allocator's statistics ({@code malloc_stats}) on standard error and exits
 * with the status given as its first argument.
 */
public final class RestartProbe {

    private RestartProbe() {}

    public static void main(String[] args) throws Exception {
        Path open = Path.of(args[1]).toRealPath();
        System.out.println("pid " + ProcessHandle.current().pid() + " tunables " + System.getenv("GLIBC_TUNABLES")
                + " preload " + System.getenv("LD_PRELOAD") + " args " + String.join("|", args) + " open "
                + descriptorsOf(open));
        System.out.flush();
        try (RandomAccessFile file = new RandomAccessFile(open.toFile(), "r")) {
            NativeMemory.restartWithAllocator();
        }
        Thread worker = new Thread(() -> {
            byte[][] keep = new byte[64][];
            for (int i = 0; i < keep.length; i++) {
                keep[i] = new byte[1 << 20];
            }
            NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("free").invokeVoid(new Object[] {
                NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc")
                        .invokePointer(new Object[] {4L << 20})});
        });
        worker.start();
        worker.join();
        NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_stats").invokeVoid(new Object[0]);
        System.out.println("release rate " + System.getenv("TCMALLOC_RELEASE_RATE"));
        System.exit(Integer.parseInt(args[0]));
    }

    /** The number of this process's descriptors open on a file. */
    private static long descriptorsOf(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }
}
