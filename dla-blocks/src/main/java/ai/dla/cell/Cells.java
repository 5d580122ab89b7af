package ai.dla.cell;

/** Argument checks shared by the cells. */
final class Cells {

    private Cells() {}

    static int hiddenWidth(int channels, int reduction) {
        if (channels <= 0) {
            throw new IllegalArgumentException(
                    "Cell channels must be positive, got " + channels + "; call setChannels(C)");
        }
        if (reduction <= 0 || channels / reduction == 0) {
            throw new IllegalArgumentException(
                    "Reduction ratio r="
                            + reduction
                            + " must be positive and at most the channel count "
                            + channels);
        }
        return channels / reduction;
    }
}
