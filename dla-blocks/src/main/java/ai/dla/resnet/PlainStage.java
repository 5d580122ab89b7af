package ai.dla.resnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A stage of the plain bottleneck ResNet: its units in sequence. */
public final class PlainStage extends Stage {

    private static final byte VERSION = 1;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public PlainStage(StageConfig config) {
        super(VERSION, config, true);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        for (Bottleneck unit : units) {
            x = unit.forward(ps, new NDList(x), training, params).head();
        }
        return new NDList(x);
    }

    @Override
    protected long extraMacsPerUnit(long channels, long pixels) {
        return 0;
    }

    @Override
    protected void initializeExtras(NDManager manager, DataType dataType, Shape unitOutput) {}
}
