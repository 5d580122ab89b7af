package ai.dla.stage;

import ai.dla.attention.TokenLayerAttention;
import ai.dla.nn.FeatureMaps;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.List;

/**
 * A stage of DLA-B, the basic Dynamic Layer Attention network. The stage keeps every unit's key
 * [B, C] and value [B, C, H, W]; before unit l > 0 attends, the context cell refreshes each stored
 * token, and the refreshed tokens are kept (refreshes compound):
 *
 * <pre>
 *   x_out = unit_l(x)
 *   h, c  = cell(GAP(x_out), h, c)                  (zeros at l = 0)
 *   K_i  ← K_i ⊙ cell(K_i, h, c).h,   V_i ← V_i ⊙ cell(GAP(V_i), h, c).h      for every earlier unit i
 *   x     = x_out + DropPath(ReLU(BN(softmax attention of x_out's query over K, V)))
 * </pre>
 *
 * In {@link ContextMode#SAMPLE_ZERO} the refresh reads sample 0's (h, c) for every sample.
 */
public final class DlaBStage extends ContextStage {

    private static final byte VERSION = 1;

    private final List<TokenLayerAttention> attention;
    private final DropPath dropPath;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public DlaBStage(StageConfig config) {
        super(VERSION, config);
        attention = addPerUnit("attention", TokenLayerAttention::new, Stage::map);
        dropPath = addPart("dropPath", new DropPath(config.dropPathRate()), Stage::map);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList context = null;
        NDArray keys = null;
        NDArray values = null;
        ContextMode mode = getContextMode();
        for (int l = 0; l < units.size(); l++) {
            NDArray out = Bottleneck.join(units.get(l).forward(ps, new NDList(x), training, params), training);
            context = advance(ps, FeatureMaps.gap(out), context, training, params);
            NDList tokens = new NDList(out);
            if (l > 0) {
                NDArray ctxH = mode.select(context.get(0));
                NDArray ctxC = mode.select(context.get(1));
                keys = keys.mul(refresh(ps, keys, ctxH, ctxC, training, params));
                NDArray valueGate = refresh(ps, FeatureMaps.gap(values), ctxH, ctxC, training, params);
                values = values.mul(valueGate.expandDims(3).expandDims(4));
                tokens.add(keys);
                tokens.add(values);
            }
            NDList attended = attention.get(l).forward(ps, tokens, training, params);
            keys = attended.get(1);
            values = attended.get(2);
            x = out.add(dropPath.forward(ps, new NDList(attended.get(0)), training, params).head());
        }
        return new NDList(x);
    }

    /** Runs the cell on T tokens per sample at once: [B, T, C] -> gate h [B, T, C]. */
    private NDArray refresh(
            ParameterStore ps,
            NDArray tokens,
            NDArray h,
            NDArray c,
            boolean training,
            PairList<String, Object> params) {
        Shape s = tokens.getShape();
        long batch = s.get(0);
        long count = s.get(1);
        NDArray flat = tokens.reshape(batch * count, s.get(2));
        NDArray hFlat = perToken(h, count);
        NDArray cFlat = perToken(c, count);
        return cell.forward(ps, new NDList(flat, hFlat, cFlat), training, params).get(0).reshape(s);
    }

    /** Repeats each sample's state for its T tokens: [B, C] -> [B·T, C]; a shared [1, C] stays. */
    private static NDArray perToken(NDArray state, long count) {
        long batch = state.getShape().get(0);
        if (batch == 1) {
            return state;
        }
        long channels = state.getShape().get(1);
        return state.expandDims(1).broadcast(batch, count, channels).reshape(batch * count, channels);
    }

    @Override
    protected long extraMacs(int unit, long channels, long pixels) {
        return cell.macsPerStep() * (1 + 2L * unit) + attention.get(unit).macs(pixels, unit + 1L)
                + 2L * unit * channels * pixels;
    }
}
