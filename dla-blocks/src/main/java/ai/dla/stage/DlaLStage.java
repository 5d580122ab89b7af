package ai.dla.stage;

import ai.dla.attention.LightLayerAttention;
import ai.dla.cell.DynamicSharingUnit;
import ai.dla.light.BranchTerms;
import ai.dla.light.FusedLightTraining;
import ai.dla.light.FusedLightUnit;
import ai.dla.light.NativeKernel;
import ai.dla.light.NativeTerms;
import ai.dla.light.ShortcutUpdate;
import ai.dla.nn.FeatureMaps;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.List;

/**
 * A stage of DLA-L, the light Dynamic Layer Attention network. One context cell (the DSU by
 * default) and one shortcut update ({@link ShortcutUpdate}, with its depthwise 3×3 convolution DW)
 * serve all the stage's units:
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
 * <p>õ is never written out: the stage hands d and the update's kernel to {@link
 * LightLayerAttention#forwardUpdated}, which folds λ into them. In inference on the CPU, with the
 * DSU in its published form, everything after each unit's bottleneck runs as one call of the fused
 * native kernel ({@link FusedLightUnit}) where it can load; these separate operations are the reference, and what runs
 * on other devices, in training, and where a gradient flows through the stage.
 */
public final class DlaLStage extends ContextStage {

    private static final byte VERSION = 1;

    private final List<LightLayerAttention> attention;
    private final ShortcutUpdate update;
    private final DropPath dropPath;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public DlaLStage(StageConfig config) {
        super(VERSION, config);
        attention = addPerUnit("attention", LightLayerAttention::new, u -> new Shape[] {u, u, cellInputs(u)[0]});
        update = addPart("dw", new ShortcutUpdate(config.outChannels()), Stage::map);
        dropPath = addPart("dropPath", new DropPath(config.dropPathRate()), Stage::map);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDList context = null;
        NDArray kernel = update.kernel(ps, x.getDevice(), training);
        NDArray dsuWeights = training ? null : fusedCellWeights(ps, x);
        NativeTerms small = training ? nativeTerms(ps, x, kernel) : null;
        for (int l = 0; l < units.size(); l++) {
            NDList unit = units.get(l).forward(ps, new NDList(FusedLightTraining.input(x, training)), training, params);
            NDArray o = unit.get(1);
            FusedLightTraining fusedTraining = FusedLightTraining.begin(unit.get(0), o, training);
            if (fusedTraining == null && small != null && small.holdsContext()) {
                throw new IllegalStateException("Unit " + l + " of a DLA-L stage could not take the fused training"
                        + " path after the units before it did; run with -D" + NativeKernel.PROPERTY
                        + "=maps and report this");
            }
            if (fusedTraining != null && small != null) {
                NDArray summary = fusedTraining.summary();
                NativeTerms.Unit terms = small.forward(attention.get(l).trainingParameters(ps, x.getDevice()), summary,
                        fusedTraining.shortcutSummary());
                x = fusedTraining.finish(terms, dropPath.mask(summary, true));
                continue;
            }
            if (fusedTraining != null) {
                NDList gated = gate(ps, fusedTraining.summary(), fusedTraining.shortcutSummary(), context, true, params);
                BranchTerms terms = attention.get(l).trainingTerms(ps, fusedTraining.summary(), gated.get(2), kernel);
                NDList next = fusedTraining.finish(terms, dropPath.mask(fusedTraining.summary(), true), gated.subNDList(0, 2));
                x = next.get(0);
                context = next.subNDList(1);
                continue;
            }
            NDArray out = Bottleneck.join(unit, training);
            NDList fused = dsuWeights == null ? null : fused(ps, l, out, o, context, kernel, dsuWeights);
            if (fused != null) {
                x = fused.get(0);
                context = fused.subNDList(1);
                continue;
            }
            NDArray summary = FeatureMaps.gap(out);
            NDList gated = gate(ps, summary, FeatureMaps.gap(o), context, training, params);
            context = gated.subNDList(0, 2);
            NDList branch = attention.get(l).forwardUpdated(ps, out, o, summary, gated.get(2), kernel, training, params);
            x = FeatureMaps.residual(dropPath.forward(ps, branch, training, params).head(), out, training);
        }
        return new NDList(x);
    }

    /**
     * The cell's two paths for one unit: the new context from the unit's summary, then the
     * shortcut's gate from the shortcut's summary and that context.
     *
     * @return {@code NDList(h', c', d)}
     */
    private NDList gate(ParameterStore ps, NDArray summary, NDArray shortcutSummary, NDList context,
            boolean training, PairList<String, Object> params) {
        ContextMode mode = getContextMode();
        NDList next = advance(ps, summary, context, training, params);
        NDList backward = new NDList(shortcutSummary, mode.select(next.get(0)), mode.select(next.get(1)));
        NDList gated = new NDList(next);
        gated.add(cell.forward(ps, backward, training, params).get(0));
        return gated;
    }

    /**
     * The pass that computes the units' small terms in C in a fused training pass, or null where
     * they stay with autograd (another cell or form, or the kernels not active).
     */
    private NativeTerms nativeTerms(ParameterStore ps, NDArray x, NDArray kernel) {
        if (!(cell instanceof DynamicSharingUnit)) {
            return null;
        }
        DynamicSharingUnit dsu = (DynamicSharingUnit) cell;
        return NativeTerms.openDla(() -> dsu.trainingParameters(ps, x.getDevice()), kernel, dsu.getHiddenWidth(),
                dsu.getNorm(), getContextMode() == ContextMode.SAMPLE_ZERO, true);
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
    private NDList fused(ParameterStore ps, int l, NDArray out, NDArray o, NDList context, NDArray kernel,
            NDArray dsuWeights) {
        DynamicSharingUnit dsu = (DynamicSharingUnit) cell;
        LightLayerAttention la = attention.get(l);
        return FusedLightUnit.apply(
                out,
                o,
                context,
                dsuWeights,
                la.packedWeights(ps, out, kernel),
                dsu.getHiddenWidth(),
                la.getKernel(),
                dsu.getNorm(),
                getContextMode() == ContextMode.SAMPLE_ZERO);
    }

    @Override
    protected long extraMacs(int unit, long channels, long pixels) {
        return 2 * cell.macsPerStep() + update.macs(pixels) + attention.get(unit).macs(pixels);
    }
}
