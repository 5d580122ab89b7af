package ai.dla.stage;

import ai.djl.ndarray.NDArray;

/** Which context the backward path of DLA's DSU reads (architecture spec, section 3). */
public enum ContextMode {
    /** Each sample reads its own context: predictions do not depend on the rest of the batch. */
    PER_SAMPLE("per-sample"),
    /**
     * Every sample reads sample 0's context, as the published code does: reproduces its outputs,
     * but one image's prediction depends on the other images in its batch.
     */
    SAMPLE_ZERO("sample-zero");

    private final String id;

    ContextMode(String id) {
        this.id = id;
    }

    /**
     * Returns the name used on the command line and in model metadata.
     *
     * @return {@code per-sample} or {@code sample-zero}
     */
    public String getId() {
        return id;
    }

    /**
     * Returns the mode with the given name.
     *
     * @param id {@code per-sample} or {@code sample-zero}
     * @return the mode
     * @throws IllegalArgumentException naming the valid names for any other input
     */
    public static ContextMode fromId(String id) {
        for (ContextMode mode : values()) {
            if (mode.id.equals(id)) {
                return mode;
            }
        }
        throw new IllegalArgumentException(
                "Unknown context mode '" + id + "'; use per-sample or sample-zero");
    }

    /**
     * Selects the context the backward path reads.
     *
     * @param state a context tensor [B, C]
     * @return the tensor itself, or its first row [1, C] to broadcast over the batch
     */
    NDArray select(NDArray state) {
        return this == PER_SAMPLE ? state : state.get("0:1");
    }
}
