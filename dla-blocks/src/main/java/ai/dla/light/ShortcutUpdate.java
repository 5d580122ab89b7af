package ai.dla.light;

import ai.dla.nn.FeatureMaps;
import ai.dla.nn.Init;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.io.DataInputStream;
import java.io.IOException;

/**
 * DLA-L's update of a unit's shortcut before the layer attention adds it (architecture spec,
 * section 3):
 *
 * <pre>
 *   õ = o ⊙ d + DW(o)
 * </pre>
 *
 * with o [B, C, H, W] the unit's shortcut, d [B, C] the gate the context cell's backward path
 * gives, and DW a depthwise 3×3 convolution (padding 1, no bias) whose kernel [C, 1, 3, 3] is this
 * block's one parameter. One update serves all the units of a stage.
 *
 * <p>Forward input {@code NDList(o, d)}; output {@code NDList(õ)} [B, C, H, W], in o's memory layout.
 * The stage does not run it on its own: {@link ai.dla.attention.LightLayerAttention} takes the
 * update's {@link #kernel} and folds λ, and in inference the BatchNorm, into d and the kernel, so
 * that õ is never written out; this forward pass is the same term unfolded, the reference of that
 * folding in the tests.
 *
 * <p>The parameter file holds the update as it held the {@code Conv2d} this block replaced (same
 * version, metadata and parameter name), so files written before this class load unchanged.
 */
public final class ShortcutUpdate extends AbstractBlock {

    /** The version of DJL's {@code Convolution}, whose record in the parameter file this block keeps. */
    private static final byte VERSION = 3;

    private final int channels;
    private final Parameter kernel;

    /**
     * Creates the update for a C-channel shortcut.
     *
     * @param channels C
     */
    public ShortcutUpdate(int channels) {
        super(VERSION);
        this.channels = channels;
        kernel = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(channels, 1, 3, 3))
                .optInitializer(Init.convolution())
                .build());
    }

    /**
     * Returns DW's kernel as the parameter store gives it for a pass.
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @param training whether the pass records gradients of the kernel
     * @return the kernel [C, 1, 3, 3]
     */
    public NDArray kernel(ParameterStore ps, Device device, boolean training) {
        return ps.getValue(kernel, device, training);
    }

    /**
     * Returns the multiply-accumulates of the update for one sample.
     *
     * @param pixels H·W of the shortcut
     * @return DW's 9 per value and the gate's 1
     */
    public long macs(long pixels) {
        return 10L * channels * pixels;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray o = inputs.get(0);
        NDArray gated = o.mul(FeatureMaps.spatial(inputs.get(1)));
        return new NDList(gated.add(FeatureMaps.depthwise(o, kernel(ps, o.getDevice(), training), null)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
        if (loadVersion == VERSION) {
            readInputShapes(is);
        } else if (loadVersion != 1) {
            throw new MalformedModelException("Unsupported encoding version of the shortcut update: " + loadVersion);
        }
    }
}
