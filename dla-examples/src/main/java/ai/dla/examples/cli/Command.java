package ai.dla.examples.cli;

import java.io.PrintStream;

/** One {@code dla} command. */
public interface Command {

    /**
     * Returns the command's name, as typed after {@code dla}.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the one-line synopsis of the command's flags.
     *
     * @return the usage line
     */
    String usage();

    /**
     * Returns one sentence on what the command does.
     *
     * @return the description
     */
    String description();

    /**
     * Runs the command.
     *
     * @param argv the arguments after the command name
     * @param out where results are printed
     * @throws Exception on failure; {@link UsageException} for a bad command line
     */
    void run(String[] argv, PrintStream out) throws Exception;
}
