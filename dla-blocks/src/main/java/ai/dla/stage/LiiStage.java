package ai.dla.stage;

import ai.dla.nn.FeatureMaps;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
        super(VERSION, config);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList context = null;
        for (Bottleneck u : units) {
            NDList unit = u.forward(ps, new NDList(x), training, params);
            NDArray out = unit.get(0);
            context = advance(ps, FeatureMaps.gap(out), context, training, params);
            x = Activation.relu(FeatureMaps.residual(out.mul(FeatureMaps.spatial(context.get(0))), unit.get(1), training));
        }
        return new NDList(x);
    }

    @Override
    protected long extraMacs(int unit, long channels, long pixels) {
        return cell.macsPerStep() + channels * pixels;
    }
}
