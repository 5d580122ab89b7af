package ai.dla.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
        super(VERSION, config);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        for (Bottleneck unit : units) {
            x = Bottleneck.join(unit.forward(ps, new NDList(x), training, params), training);
        }
        return new NDList(x);
    }
}
