package ai.dla.cell;

/** The cells a stage can carry its context with (paper, Tables 4 and 6). */
public enum CellType {
    /** The Dynamic Sharing Unit: the network's own cell. */
    DSU,
    /** The DIANet cell (an output gate on σ(c')). */
    DIA,
    /** A standard LSTM cell. */
    LSTM,
    /** A plain tanh RNN cell. */
    RNN;

    /**
     * Creates a cell of this type.
     *
     * @param channels C
     * @param reduction r (DSU and DIA only)
     * @param form the DSU form (DSU only)
     * @param norm the DSU's output function (DSU only)
     * @return a new cell
     */
    public ContextCell create(int channels, int reduction, DsuForm form, ContextNorm norm) {
        switch (this) {
            case DIA:
                return DiaCell.create(channels, reduction);
            case LSTM:
                return LstmCell.create(channels);
            case RNN:
                return RnnCell.create(channels);
            default:
                return DynamicSharingUnit.builder()
                        .setChannels(channels)
                        .optReduction(reduction)
                        .optForm(form)
                        .optNorm(norm)
                        .build();
        }
    }
}
