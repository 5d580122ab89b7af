package ai.dla.resnet;

import ai.dla.nn.Ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A stage in the LII arrangement of DIANet (paper, Table 6): one context cell per stage gates each
 * unit's residual branch before the shortcut is added.
 *
 * <pre>
 *   out, o = unit_l(x)                 (out = BN3 output, before the add and ReLU)
 *   h, c   = cell(GAP(out), h, c)      (zeros at l = 0)
 *   x      = ReLU(out ⊙ h + o)
 * </pre>
 */
public final class LiiStage extends ContextStage {

    private static final byte VERSION = 1;


    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public LiiStage(StageConfig config) {
        super(VERSION, config, false);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList context = null;
        for (Bottleneck u : units) {
            NDList unit = u.forward(ps, new NDList(x), training, params);
            NDArray out = unit.get(0);
            context = advance(ps, gap(out), context, training, params);
            x = Activation.relu(Ops.residual(out.mul(Ops.spatial(context.get(0))), unit.get(1), training));
        }
        return new NDList(x);
    }

    @Override
    protected long extraMacsPerUnit(long channels, long pixels) {
        return cell.macsPerStep() + channels * pixels;
    }

    @Override
    protected void initializeBranches(NDManager manager, DataType dataType, Shape unitOutput) {}
}
