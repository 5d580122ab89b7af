package ai.dla.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks the files and folders a command is about to write, before any work is done, so that an
 * impossible output path or an existing result is reported at once, not after the computation.
 */
final class OutputPaths {

    private OutputPaths() {}

    /**
     * Checks that a file can be created or replaced at a path: it is not a folder, and no part of
     * its folder path is a regular file.
     *
     * @param command the command, for messages
     * @param flag the flag that named the path, for messages
     * @param file the file
     * @throws UsageException naming the path and what is in the way
     */
    static void file(String command, String flag, Path file) throws UsageException {
        if (Files.isDirectory(file)) {
            throw new UsageException("dla " + command + ": --" + flag + " " + file + " is a folder; name a file");
        }
        blockingFile(command, flag, file.toAbsolutePath().getParent());
    }

    /**
     * Checks that a folder can be written at a path and that it holds no earlier result, unless
     * {@code force} is set.
     *
     * @param command the command, for messages
     * @param flag the flag that named the path, for messages
     * @param dir the folder
     * @param existing what an existing folder means to the user (such as "a model directory"), or
     *     null if an existing folder is fine
     * @param force whether the user asked to replace an existing result
     * @throws UsageException naming the path and what is in the way
     */
    static void folder(String command, String flag, Path dir, String existing, boolean force) throws UsageException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("dla " + command + ": --" + flag + " " + dir + " is a file, not a folder");
        }
        blockingFile(command, flag, dir.toAbsolutePath().getParent());
        if (existing != null && !force && isNonEmptyFolder(dir)) {
            throw new UsageException("dla " + command + ": --" + flag + " " + dir + " already holds " + existing
                    + "; add --force to replace it, or choose another --" + flag);
        }
    }

    private static void blockingFile(String command, String flag, Path parent) throws UsageException {
        for (Path p = parent; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new UsageException("dla " + command + ": cannot write --" + flag + " under " + p
                            + ", which is a file, not a folder");
                }
                if (!Files.isWritable(p)) {
                    throw new UsageException("dla " + command + ": cannot write --" + flag + " under " + p
                            + ": permission denied");
                }
                return;
            }
        }
    }

    private static boolean isNonEmptyFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return true;
        }
    }
}
