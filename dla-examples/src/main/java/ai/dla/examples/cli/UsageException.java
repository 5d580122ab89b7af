package ai.dla.examples.cli;

/** A command line that cannot be run as given: a missing, unknown or malformed flag. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong and how to fix it
     */
    public UsageException(String message) {
        super(message);
    }
}
