package ai.dla.examples.train;

import java.util.Locale;

/** How the learning rate changes over a run; the rest of its shape comes from the {@link Recipe}. */
public enum Schedule {
    /** Constant within an epoch, multiplied by the recipe's factor at each milestone epoch. */
    STEP,
    /** Cosine decay from the base rate to zero over the run, updated every step. */
    COSINE;

    /**
     * Returns the name used on the command line.
     *
     * @return {@code step} or {@code cosine}
     */
    public String getId() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a command-line name.
     *
     * @param id {@code step} or {@code cosine}
     * @return the schedule
     * @throws IllegalArgumentException naming the valid schedules
     */
    public static Schedule fromId(String id) {
        for (Schedule s : values()) {
            if (s.getId().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("Unknown schedule '" + id + "'; valid schedules: step, cosine");
    }
}
