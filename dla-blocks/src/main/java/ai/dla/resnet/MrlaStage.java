package ai.dla.resnet;

import ai.dla.attention.LightLayerAttention;
import ai.dla.nn.Ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * A stage of MRLA-L, the static layer attention baseline: after each unit, {@code x = x_out +
 * DropPath(BN(LA(x_out) + λ ⊙ o))} with o the unit's shortcut.
 */
public final class MrlaStage extends Stage {

    private static final byte VERSION = 1;

    private final List<LightLayerAttention> attention = new ArrayList<>();
    private final DropPath dropPath;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public MrlaStage(StageConfig config) {
        super(VERSION, config, true);
        for (int i = 0; i < config.units(); i++) {
            attention.add(addChildBlock("attention." + i, new LightLayerAttention(config.outChannels())));
        }
        dropPath = addChildBlock("dropPath", new DropPath(config.dropPathRate()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        for (int l = 0; l < units.size(); l++) {
            NDList unit = units.get(l).forward(ps, new NDList(x), training, params);
            NDList branch = attention.get(l).forward(ps, unit, training, params);
            x = Ops.residual(dropPath.forward(ps, branch, training, params).head(), unit.get(0), training);
        }
        return new NDList(x);
    }

    @Override
    protected long extraMacsPerUnit(long channels, long pixels) {
        return attention.get(0).macs(pixels);
    }

    @Override
    protected void initializeExtras(NDManager manager, DataType dataType, Shape unitOutput) {
        for (LightLayerAttention la : attention) {
            la.initialize(manager, dataType, unitOutput, unitOutput);
        }
        dropPath.initialize(manager, dataType, unitOutput);
    }
}
