package ai.dla.resnet;

import ai.dla.attention.LightLayerAttention;
import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * A stage of DLA-L, the light Dynamic Layer Attention network. One context cell (the DSU by
 * default) and one depthwise 3×3 convolution DW serve all the stage's units:
 *
 * <pre>
 *   x_out, o = unit_l(x)
 *   h, c = cell(GAP(x_out), h, c)            forward path: the new context (zeros at l = 0)
 *   d    = cell(GAP(o), h, c).h               backward path: the shortcut's gate
 *   õ    = o ⊙ d + DW(o)
 *   x    = x_out + DropPath(BN(LA(x_out) + λ ⊙ õ))
 * </pre>
 *
 * In {@link ContextMode#SAMPLE_ZERO} the backward path reads sample 0's (h, c) for every sample.
 *
 * <p>õ is never written out: o ⊙ d + DW(o) is the depthwise convolution of o with DW's kernel
 * plus d at its centre tap, one kernel per sample, which {@link LightLayerAttention} applies.
 */
public final class DlaStage extends ContextStage {

    private static final byte VERSION = 1;
    private static final float[] CENTRE_TAP = {0, 0, 0, 0, 1, 0, 0, 0, 0};

    private final List<LightLayerAttention> attention = new ArrayList<>();
    private final Conv2d dw;
    private final DropPath dropPath;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public DlaStage(StageConfig config) {
        super(VERSION, config, true);
        int channels = config.outChannels();
        for (int i = 0; i < config.units(); i++) {
            attention.add(addChildBlock("attention." + i, new LightLayerAttention(channels)));
        }
        dw = addChildBlock("dw", Layers.conv(channels, 3, 1, channels));
        dropPath = addChildBlock("dropPath", new DropPath(config.dropPathRate()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList context = null;
        ContextMode mode = getContextMode();
        for (int l = 0; l < units.size(); l++) {
            NDList unit = units.get(l).forward(ps, new NDList(x), training, params);
            NDArray out = unit.get(0);
            NDArray o = unit.get(1);
            NDArray summary = gap(out);
            context = advance(ps, summary, context, training, params);
            NDList backward = new NDList(gap(o), mode.select(context.get(0)), mode.select(context.get(1)));
            NDArray d = cell.forward(ps, backward, training, params).get(0);
            NDList branch =
                    attention.get(l).forward(ps, new NDList(out, o, summary, shortcutKernel(ps, d, training)),
                            training, params);
            x = out.add(dropPath.forward(ps, branch, training, params).head());
        }
        return new NDList(x);
    }

    /**
     * Returns the per-sample depthwise kernel K_b with õ = K_b * o = o ⊙ d + DW(o): DW's kernel
     * with d added at its centre tap.
     *
     * @param ps the parameter store
     * @param d the backward path's gate [B, C]
     * @param training whether this is a training pass
     * @return K [B, C, 3, 3]
     */
    private NDArray shortcutKernel(ParameterStore ps, NDArray d, boolean training) {
        Shape gate = d.getShape();
        NDArray centre = d.getManager().create(CENTRE_TAP, new Shape(1, 1, 3, 3)).toDevice(d.getDevice(), false);
        NDArray weight =
                ps.getValue(dw.getParameters().get("weight"), d.getDevice(), training).reshape(gate.get(1), 3, 3);
        weight.attach(d.getManager()); // a view of the parameter: the batch owns it, not the parameters' manager
        return d.reshape(gate.get(0), gate.get(1), 1, 1).mul(centre).addi(weight);
    }

    @Override
    protected long extraMacsPerUnit(long channels, long pixels) {
        return 2 * cell.macsPerStep() + 10 * channels * pixels + attention.get(0).macs(pixels);
    }

    @Override
    protected void initializeBranches(NDManager manager, DataType dataType, Shape unitOutput) {
        Shape state = new Shape(unitOutput.get(0), unitOutput.get(1));
        for (LightLayerAttention la : attention) {
            la.initialize(manager, dataType, unitOutput, unitOutput, state);
        }
        dw.initialize(manager, dataType, unitOutput);
        dropPath.initialize(manager, dataType, unitOutput);
    }
}
