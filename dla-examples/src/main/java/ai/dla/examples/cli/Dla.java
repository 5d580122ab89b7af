package ai.dla.examples.cli;

import ai.dla.examples.train.Schedule;
import ai.dla.runtime.NativeMemory;
import ai.dla.stage.ContextMode;
import ai.dla.zoo.DatasetProfile;

import ai.djl.translate.TranslateException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code dla} command line, on picocli: {@code java -jar dla.jar COMMAND [FLAGS]}. Every
 * command takes {@code --help} and {@code --version}; a mistyped command or flag gets picocli's
 * "did you mean". Exit status: 0 success, 1 failure, 2 a command line that cannot be run.
 *
 * <p>DJL runs offline unless the system property {@code offline} is set to {@code false}: the
 * PyTorch natives come from the jar, and nothing is downloaded.
 */
@Command(name = "dla", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, versionProvider = Dla.Version.class,
        synopsisHeading = "usage: ", synopsisSubcommandLabel = "COMMAND", sortOptions = false,
        description = "Dynamic Layer Attention networks on DJL: classify, evaluate, train, import and time them.",
        commandListHeading = "%nCommands:%n",
        subcommands = {SummaryCommand.class, ModelsCommand.class, PredictCommand.class, EvalCommand.class,
            TrainCommand.class, ImportCommand.class, PublishCommand.class, InferCommand.class, BenchCommand.class,
            HelpCommand.class})
public final class Dla implements Callable<Integer> {

    /** The exit status of a command line that cannot be run. */
    static final int USAGE = 2;

    private static final String VERSION_FILE = "version.properties";

    /** The commands that run a network step after step, and so want the allocator to reuse freed memory. */
    private static final Set<String> STEPPING_COMMANDS = Set.of("train", "eval", "bench");

    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    /** Creates the command line printing to standard output, as picocli's tools (completion) need it. */
    public Dla() {
        this(System.out);
    }

    private Dla(PrintStream out) {
        this.out = out;
    }

    /**
     * Runs a command and exits: 0 on success, 1 on failure, 2 on a bad command line. {@code train},
     * {@code eval} and {@code bench} first restart the JVM with an allocator that reuses freed
     * memory ({@link NativeMemory#restartWithAllocator()}) where it has none.
     *
     * @param args the command and its flags
     */
    public static void main(String[] args) {
        if (args.length > 0 && STEPPING_COMMANDS.contains(args[0])) {
            try {
                NativeMemory.restartWithAllocator();
            } catch (IllegalArgumentException e) {
                System.err.println("dla: " + e.getMessage());
                System.exit(USAGE);
            }
        }
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
        try {
            return commandLine(out, err).execute(args);
        } catch (LinkageError e) {
            err.println("dla: the PyTorch engine cannot start (" + describe(e) + "); dla.jar carries its natives:"
                    + " run the jar built by mvn package, or put DJL's pytorch-native-cpu jar on the class path");
            return 1;
        }
    }

    /**
     * Returns the command line with its converters and error handling, printing to the given
     * streams.
     *
     * @param out where results and help go
     * @param err where errors go
     * @return the command line
     */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Dla(out));
        cl.getCommandSpec().usageMessage().footer("%nRun 'dla COMMAND --help' for a command's flags."
                + " DLA_DEBUG=1 prints the stack trace of a failure.");
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.registerConverter(Integer.class, number(Integer::valueOf, "a whole number"));
        cl.registerConverter(int.class, number(Integer::valueOf, "a whole number"));
        cl.registerConverter(Float.class, number(Float::valueOf, "a number"));
        cl.registerConverter(float.class, number(Float::valueOf, "a number"));
        cl.registerConverter(ContextMode.class, id(ContextMode::fromId));
        cl.registerConverter(DatasetProfile.class, id(DatasetProfile::fromId));
        cl.registerConverter(Schedule.class, id(Schedule::fromId));
        cl.registerConverter(BenchCommand.Mode.class, id(BenchCommand.Mode::fromId));
        cl.setParameterExceptionHandler(Dla::badCommandLine);
        cl.setExecutionExceptionHandler(Dla::failed);
        return cl;
    }

    /** {@code dla} alone: the list of commands, on standard error, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /**
     * Returns where a command prints its results.
     *
     * @return the stream
     */
    PrintStream out() {
        return out;
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

    /**
     * A command line picocli could not take: the message, picocli's "did you mean" and the short
     * usage. A mistyped flag is named before any required flag it leaves missing, and a mistyped
     * command gets the list of commands.
     */
    private static int badCommandLine(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        ParameterException shown = e;
        List<String> unmatched = cl.getParseResult() == null ? List.of() : cl.getParseResult().unmatched();
        if (!(e instanceof UnmatchedArgumentException) && !unmatched.isEmpty()) {
            shown = new UnmatchedArgumentException(cl, unmatched);
        }
        if (shown instanceof UnmatchedArgumentException && cl.getCommandSpec().parent() == null) {
            err.println("dla: unknown command '" + args[0] + "'; commands: "
                    + String.join(", ", cl.getSubcommands().keySet()));
        } else {
            err.println(cl.getCommandSpec().qualifiedName() + ": " + shown.getMessage());
        }
        if (shown instanceof UnmatchedArgumentException u && u.getSuggestions().isEmpty() && cl.getCommandSpec().parent() != null) {
            err.println("valid flags: " + cl.getCommandSpec().options().stream().map(OptionSpec::longestName)
                    .collect(Collectors.joining(", ")));
        }
        UnmatchedArgumentException.printSuggestions(shown, err);
        printUsage(cl);
        return USAGE;
    }

    /** A command that failed: a {@link UsageException} is a bad command line, anything else a failure. */
    private static int failed(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof UsageException) {
            err.println(e.getMessage());
            printUsage(cl);
            return USAGE;
        }
        err.println(cl.getCommandSpec().qualifiedName() + ": " + describe(e));
        if (System.getenv("DLA_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return 1;
    }

    private static void printUsage(CommandLine cl) {
        String name = cl.getCommandSpec().qualifiedName();
        cl.getErr().println("usage: " + cl.getHelp().abbreviatedSynopsis().strip() + "   (" + name + " --help for the flags)");
    }

    private static <T> ITypeConverter<T> number(Function<String, T> parse, String what) {
        return value -> {
            try {
                return parse.apply(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not " + what);
            }
        };
    }

    private static <T> ITypeConverter<T> id(Function<String, T> fromId) {
        return value -> {
            try {
                return fromId.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        };
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

    /** The versions of this build, written into {@value #VERSION_FILE} by Maven. */
    static final class Version implements IVersionProvider {

        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream is = Dla.class.getResourceAsStream(VERSION_FILE)) {
                if (is == null) {
                    return new String[] {"dla (version unknown: " + VERSION_FILE + " is missing from the class path)"};
                }
                p.load(is);
            }
            return new String[] {"dla " + p.getProperty("version") + " (DJL " + p.getProperty("djl") + ", PyTorch "
                    + p.getProperty("pytorch") + ", Java " + Runtime.version() + ")"};
        }
    }
}
