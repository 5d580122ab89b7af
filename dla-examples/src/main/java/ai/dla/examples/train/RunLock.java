package ai.dla.examples.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An output directory held by one training run at a time: the operating system's lock on its
 * {@value #FILE} file, which also names the holding process. Two runs in one directory would
 * overwrite each other's checkpoints (and {@code --force} would delete a running run's files); the
 * second is refused instead. The lock ends with the run, or with its process however it dies, so a
 * killed run leaves nothing to clean up before {@code --resume}.
 */
public final class RunLock implements AutoCloseable {

    /** The lock file in the output directory. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes an output directory for a run, creating it if needed.
     *
     * @param outputDir the run's output directory
     * @return the lock, to close when the run ends
     * @throws IllegalStateException if another run holds the directory
     * @throws IOException if the lock file cannot be created or written
     */
    public static RunLock acquire(Path outputDir) throws IOException {
        Files.createDirectories(outputDir);
        Path file = outputDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new IllegalStateException("another training run is using " + outputDir
                    + (holder.isEmpty() ? "" : " (process " + holder + ")")
                    + ": wait for it to end or stop it (then continue with --resume), or choose another --output-dir");
        }
        try {
            channel.truncate(0);
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.write(ByteBuffer.wrap(pid), 0);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new RunLock(channel, lock);
    }

    /** The process id the holder wrote, or empty. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
