package ai.dla.spark;

/**
 * A Spark job of {@link DlaImagePredictor} cannot run: an executor cannot start the engine, write
 * DJL's cache, or load the model. The message names the setting that fixes it. Bad images are not
 * reported this way: they get a row with an error.
 */
public class DlaSparkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, where, and the setting that fixes it
     * @param cause the underlying failure, or null
     */
    public DlaSparkException(String message, Throwable cause) {
        super(message, cause);
    }
}
