package ai.dla.zoo;

import java.io.IOException;

/**
 * Thrown when a zoo model is asked for with pretrained weights that neither ship in the {@code
 * dla-zoo} jar nor exist in the repository that {@link DlaModelZoo#REPOSITORY_PROPERTY} names. The
 * message says how to get them.
 */
public class WeightsNotAvailableException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is missing and how to get it
     */
    public WeightsNotAvailableException(String message) {
        super(message);
    }
}
