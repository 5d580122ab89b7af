package ai.dla.resnet;

import ai.dla.attention.TokenLayerAttention;
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

    private final List<TokenLayerAttention> attention = new ArrayList<>();
    private final DropPath dropPath;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public DlaBStage(StageConfig config) {
        super(VERSION, config, true);
        for (int i = 0; i < config.units(); i++) {
            attention.add(addChildBlock("attention." + i, new TokenLayerAttention(config.outChannels())));
        }
        dropPath = addChildBlock("dropPath", new DropPath(config.dropPathRate()));
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
            NDArray out = units.get(l).forward(ps, new NDList(x), training, params).head();
            context = advance(ps, gap(out), context, training, params);
            NDList tokens = new NDList(out);
            if (l > 0) {
                NDArray ctxH = mode.select(context.get(0));
                NDArray ctxC = mode.select(context.get(1));
                keys = keys.mul(refresh(ps, keys, ctxH, ctxC, training, params));
                NDArray valueGate = refresh(ps, Ops.gap(values), ctxH, ctxC, training, params);
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
    public long macs(long height, long width) {
        long base = super.macs(height, width);
        Bottleneck first = units.get(0);
        long pixels = first.outSide(height) * first.outSide(width);
        long channels = config.outChannels();
        long extra = 0;
        for (int l = 0; l < units.size(); l++) {
            extra += cell.macsPerStep() * (1 + 2L * l) + attention.get(l).macs(pixels, l + 1L);
            extra += 2L * l * channels * pixels;
        }
        return base + extra;
    }

    @Override
    protected long extraMacsPerUnit(long channels, long pixels) {
        return 0;
    }

    @Override
    protected void initializeBranches(NDManager manager, DataType dataType, Shape unitOutput) {
        for (TokenLayerAttention la : attention) {
            la.initialize(manager, dataType, unitOutput);
        }
        dropPath.initialize(manager, dataType, unitOutput);
    }
}
