package ai.dla.stage;

import ai.dla.attention.LightLayerAttention;
import ai.dla.light.BranchTerms;
import ai.dla.light.FusedLightTraining;
import ai.dla.light.NativeTerms;
import ai.dla.nn.FeatureMaps;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.List;

/**
 * A stage of MRLA-L, the static layer attention baseline: after each unit, {@code x = x_out +
 * DropPath(BN(LA(x_out) + λ ⊙ o))} with o the unit's shortcut.
 */
public final class MrlaStage extends Stage {

    private static final byte VERSION = 1;

    private final List<LightLayerAttention> attention;
    private final DropPath dropPath;

    /**
     * Creates the stage.
     *
     * @param config what the stage is built from
     */
    public MrlaStage(StageConfig config) {
        super(VERSION, config);
        attention = addPerUnit("attention", LightLayerAttention::new, u -> new Shape[] {u, u});
        dropPath = addPart("dropPath", new DropPath(config.dropPathRate()), Stage::map);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NativeTerms small = NativeTerms.openMrla(training);
        for (int l = 0; l < units.size(); l++) {
            NDList unit = units.get(l).forward(ps, new NDList(FusedLightTraining.input(x, training)), training, params);
            FusedLightTraining fusedTraining = FusedLightTraining.begin(unit.get(0), unit.get(1), training);
            if (fusedTraining != null) {
                NDArray summary = fusedTraining.summary();
                NDArray mask = dropPath.mask(summary, true);
                if (small != null) {
                    x = fusedTraining.finish(small.forward(attention.get(l).trainingParameters(ps, x.getDevice()),
                            summary, fusedTraining.shortcutSummary()), mask);
                    continue;
                }
                BranchTerms terms = attention.get(l).trainingTerms(ps, summary, null, null);
                x = fusedTraining.finish(terms, mask, null).head();
                continue;
            }
            NDArray out = Bottleneck.join(unit, training);
            NDList branch = attention.get(l).forward(ps, new NDList(out, unit.get(1)), training, params);
            x = FeatureMaps.residual(dropPath.forward(ps, branch, training, params).head(), out, training);
        }
        return new NDList(x);
    }

    @Override
    protected long extraMacs(int unit, long channels, long pixels) {
        return attention.get(unit).macs(pixels);
    }
}
