package ai.dla.cell;

import ai.djl.nn.Block;

/**
 * A recurrent cell {@code cell(y, h, c) -> (h', c')} that carries a stage's context from unit to
 * unit.
 *
 * <p>Its forward pass takes {@code NDList(y, h, c)}: {@code y} the new layer's summary [B, C], and
 * the state {@code h}, {@code c} [B, C], or [1, C] to share one sample's state with the whole batch
 * (it broadcasts). It returns {@code NDList(h', c')}, each [B, C]. The cell is stateless between
 * calls: the state travels in the lists, as with DJL's {@code LSTM}.
 */
public interface ContextCell extends Block {

    /**
     * Returns the channel count C of {@code y}, {@code h} and {@code c}.
     *
     * @return the channel count
     */
    int getChannels();

    /**
     * Returns the multiply-accumulates of one step for one sample.
     *
     * @return the multiply-accumulates of the cell's linear layers
     */
    long macsPerStep();
}
