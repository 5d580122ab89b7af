package ai.dla.examples.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * One {@code dla} command: picocli fills its annotated flags, then {@link #run(PrintStream)} checks
 * what picocli cannot (ranges, flags that exclude each other) and does the work.
 */
abstract class DlaCommand implements Callable<Integer> {

    @ParentCommand
    private Dla dla;

    @Spec
    private CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        run(dla.out());
        return 0;
    }

    /**
     * Runs the command.
     *
     * @param out where results are printed
     * @throws Exception on failure; {@link UsageException} for a bad command line
     */
    abstract void run(PrintStream out) throws Exception;

    /**
     * Returns the command's name as typed, such as {@code dla predict}, for messages.
     *
     * @return the name
     */
    final String name() {
        return spec.qualifiedName();
    }

    /**
     * Returns whether the user gave a flag, as opposed to its default applying.
     *
     * @param flag the flag, such as {@code --batch}
     * @return true if it is on the command line
     */
    final boolean given(String flag) {
        return spec.commandLine().getParseResult().hasMatchedOption(flag);
    }

    /**
     * Returns a number flag that must be 1 or more.
     *
     * @param flag the flag, such as {@code --top}
     * @param value its value
     * @return the value
     * @throws UsageException if it is less than 1
     */
    final int positive(String flag, int value) throws UsageException {
        if (value < 1) {
            throw new UsageException(name() + ": " + flag + " takes a whole number of 1 or more, got " + value);
        }
        return value;
    }
}
