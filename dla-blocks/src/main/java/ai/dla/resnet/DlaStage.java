package ai.dla.resnet;

import ai.dla.attention.LightLayerAttention;
import ai.dla.cell.DynamicSharingUnit;
import ai.dla.fused.FusedLightUnit;
import ai.dla.fused.NativeKernel;
import ai.dla.nn.Layers;
import ai.dla.nn.Ops;

import ai.djl.Device;
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
 * <p>õ is never written out: the stage hands d and DW's kernel to {@link LightLayerAttention},
 * which folds λ into them. In inference on the CPU, with the DSU in its published form, everything
 * after each unit's bottleneck runs as one call of the fused native kernel ({@link
 * FusedLightUnit}) where it can load; these separate operations are the reference, and what runs
 * on other devices, in training, and where a gradient flows through the stage.
 */
public final class DlaStage extends ContextStage {

    private static final byte VERSION = 1;

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
        NDArray shortcutWeight = ps.getValue(dw.getParameters().get("weight"), x.getDevice(), training);
        NDArray dsuWeights = training ? null : fusedCellWeights(ps, x);
        for (int l = 0; l < units.size(); l++) {
            NDList unit = units.get(l).forward(ps, new NDList(x), training, params);
            NDArray out = unit.get(0);
            NDArray o = unit.get(1);
            NDList fused = dsuWeights == null ? null : fused(ps, l, out, o, context, shortcutWeight, dsuWeights);
            if (fused != null) {
                x = fused.get(0);
                context = fused.subNDList(1);
                continue;
            }
            NDArray summary = gap(out);
            context = advance(ps, summary, context, training, params);
            NDList backward = new NDList(gap(o), mode.select(context.get(0)), mode.select(context.get(1)));
            NDArray d = cell.forward(ps, backward, training, params).get(0);
            NDList branch =
                    attention.get(l).forward(ps, new NDList(out, o, summary, d, shortcutWeight), training, params);
            x = Ops.residual(dropPath.forward(ps, branch, training, params).head(), out, training);
        }
        return new NDList(x);
    }

    /**
     * The DSU's packed weights for the fused kernel, fetched once per pass for all the stage's units,
     * or null where the kernel does not apply to this stage (another cell or form, not the CPU, the
     * kernel not active).
     */
    private NDArray fusedCellWeights(ParameterStore ps, NDArray x) {
        boolean cpu = Device.Type.CPU.equals(x.getDevice().getDeviceType());
        if (!(cell instanceof DynamicSharingUnit) || !cpu || !NativeKernel.isActive()) {
            return null;
        }
        return ((DynamicSharingUnit) cell).packedWeights(ps, x.getDevice());
    }

    /** Unit l's inference after its bottleneck through the fused kernel, or null where it does not apply. */
    private NDList fused(ParameterStore ps, int l, NDArray out, NDArray o, NDList context, NDArray shortcutWeight,
            NDArray dsuWeights) {
        DynamicSharingUnit dsu = (DynamicSharingUnit) cell;
        LightLayerAttention la = attention.get(l);
        return FusedLightUnit.apply(
                out,
                o,
                context,
                dsuWeights,
                la.packedWeights(ps, out, shortcutWeight),
                dsu.getHiddenWidth(),
                la.getKernel(),
                dsu.getNorm(),
                getContextMode() == ContextMode.SAMPLE_ZERO);
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
