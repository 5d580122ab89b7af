package ai.dla.stage;

import ai.dla.cell.ContextCell;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A stage whose units share one context cell (DLA-L, DLA-B, LII). The context (h, c) starts at
 * zeros at the stage's first unit and never leaves the stage.
 */
public abstract class ContextStage extends Stage {

    /** The context cell shared by the stage's units. */
    protected final ContextCell cell;

    /**
     * Creates the stage's units, then its context cell.
     *
     * @param version the block version
     * @param config what the stage is built from
     */
    protected ContextStage(byte version, StageConfig config) {
        super(version, config);
        cell = addPart("cell", config.newCell(), Stage::cellInputs);
    }

    /**
     * Returns the context cell shared by the stage's units.
     *
     * @return the cell
     */
    public ContextCell getCell() {
        return cell;
    }

    /**
     * Advances the stage's context by one unit: {@code (h, c) = cell(summary, h, c)}, starting from
     * zeros at the stage's first unit.
     *
     * @param ps the parameter store
     * @param summary the unit's summary [B, C]
     * @param context the current {@code NDList(h, c)}, or null at the first unit
     * @param training whether this is a training pass
     * @param params the forward parameters
     * @return the new context {@code NDList(h', c')}
     */
    protected NDList advance(
            ParameterStore ps,
            NDArray summary,
            NDList context,
            boolean training,
            PairList<String, Object> params) {
        NDList inputs = new NDList(summary);
        if (context == null) {
            NDArray zeros = summary.zerosLike();
            inputs.add(zeros);
            inputs.add(zeros);
        } else {
            inputs.addAll(context);
        }
        return cell.forward(ps, inputs, training, params);
    }
}
