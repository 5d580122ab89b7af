package ai.dla.importer;

import java.util.Optional;

/**
 * A checkpoint that does not fit the network it is imported into. Where the checkpoint's own
 * network could be recognised, {@link #getFound()} names it, so that a caller who knows the zoo's
 * names can suggest the one to import it as.
 */
public final class CheckpointMismatchException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient CheckpointSignature found;

    CheckpointMismatchException(String message, CheckpointSignature found) {
        super(message);
        this.found = found;
    }

    /**
     * Returns the network the checkpoint holds, if it was recognised.
     *
     * @return its signature, or empty
     */
    public Optional<CheckpointSignature> getFound() {
        return Optional.ofNullable(found);
    }
}
