package ai.dla.resnet;

import ai.dla.cell.ContextCell;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
     * @param joined whether the units add their shortcut themselves
     */
    protected ContextStage(byte version, StageConfig config, boolean joined) {
        super(version, config, joined);
        cell = addChildBlock("cell", config.newCell());
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

    /**
     * Initialises the cell, then the children the variant adds.
     *
     * @param manager the manager for the parameters
     * @param dataType the parameter type
     * @param unitOutput the shape of every unit's output [B, C, H, W]
     */
    @Override
    protected final void initializeExtras(NDManager manager, DataType dataType, Shape unitOutput) {
        Shape state = new Shape(unitOutput.get(0), unitOutput.get(1));
        cell.initialize(manager, dataType, state, state, state);
        initializeBranches(manager, dataType, unitOutput);
    }

    /**
     * Initialises the children the variant adds besides the cell.
     *
     * @param manager the manager for the parameters
     * @param dataType the parameter type
     * @param unitOutput the shape of every unit's output [B, C, H, W]
     */
    protected abstract void initializeBranches(NDManager manager, DataType dataType, Shape unitOutput);
}
