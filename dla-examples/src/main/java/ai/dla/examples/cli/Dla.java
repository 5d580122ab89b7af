package ai.dla.examples.cli;

import ai.djl.translate.TranslateException;

import java.io.EOFException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@code dla} command line: {@code java -jar dla.jar COMMAND [FLAGS]}.
 *
 * <p>DJL runs offline unless the system property {@code offline} is set to {@code false}: the
 * PyTorch natives come from the jar, and nothing is downloaded.
 */
public final class Dla {

    private static final List<Command> COMMANDS =
            List.of(new SummaryCommand(), new ModelsCommand(), new PredictCommand(), new EvalCommand(),
                    new TrainCommand(), new ImportCommand(), new PublishCommand(), new InferCommand(),
                    new BenchCommand());

    private Dla() {}

    /**
     * Runs a command and exits: 0 on success, 1 on failure, 2 on a bad command line.
     *
     * @param args the command and its flags
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command.
     *
     * @param args the command and its flags
     * @param out where results go
     * @param err where errors go
     * @return the exit status: 0 success, 1 failure, 2 bad command line
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        configureDjl();
        if (args.length == 0 || "--help".equals(args[0]) || "help".equals(args[0])) {
            printHelp(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        Command command = COMMANDS.stream().filter(c -> c.name().equals(args[0])).findFirst().orElse(null);
        if (command == null) {
            err.println("dla: unknown command '" + args[0] + "'; commands: "
                    + COMMANDS.stream().map(Command::name).collect(Collectors.joining(", ")));
            err.println("usage: dla COMMAND [FLAGS]   (dla --help for what each does)");
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (rest.length > 0 && "--help".equals(rest[0])) {
            out.println("usage: dla " + command.name() + " " + command.usage());
            out.println(command.description());
            return 0;
        }
        try {
            command.run(rest, out);
            return 0;
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println("usage: dla " + command.name() + " " + command.usage());
            return 2;
        } catch (Exception e) {
            err.println("dla " + command.name() + ": " + describe(e));
            if (System.getenv("DLA_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    /**
     * Returns the message a user sees for a failure: the innermost useful message, with file system
     * errors in words.
     *
     * @param e the failure
     * @return the message
     */
    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof TranslateException)) {
            t = t.getCause();
        }
        if (t instanceof FileSystemException f) {
            return "cannot use " + f.getFile() + ": " + reason(f)
                    + (f.getOtherFile() == null ? "" : " (moving to " + f.getOtherFile() + ")");
        }
        if (t instanceof EOFException) {
            return "a file ended early: it is truncated" + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String reason(FileSystemException f) {
        if (f.getReason() != null) {
            return f.getReason();
        }
        if (f instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (f instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        }
        if (f instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (f instanceof NotDirectoryException) {
            return "not a folder";
        }
        return "the file system refused";
    }

    private static void configureDjl() {
        setDefault("offline", "true");
        setDefault("ai.djl.offline", System.getProperty("offline"));
        setDefault("OPT_OUT_TRACKING", "true");
        setDefault("ai.djl.default_engine", "PyTorch");
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static void printHelp(PrintStream s) {
        s.println("usage: dla COMMAND [FLAGS]   (dla COMMAND --help for its flags)");
        for (Command c : COMMANDS) {
            s.printf("  %-8s %s%n", c.name(), c.description());
        }
    }
}
