package ai.dla.resnet;

import ai.dla.nn.Ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One stage of the bottleneck ResNet: its units, and whatever the variant adds between them.
 * Nothing (context, tokens, shortcut) crosses a stage boundary.
 *
 * <p>Forward input {@code NDList(x)} [B, Cin, H, W]; output {@code NDList(x')} [B, 4p, H/s, W/s].
 */
public abstract class Stage extends AbstractBlock {

    /** What the stage is built from. */
    protected final StageConfig config;

    /** The stage's bottleneck units in order. */
    protected final List<Bottleneck> units;

    private ContextMode contextMode = ContextMode.PER_SAMPLE;

    /**
     * Creates the stage's units as its first children.
     *
     * @param version the block version
     * @param config what the stage is built from
     * @param joined whether the units add their shortcut themselves
     */
    protected Stage(byte version, StageConfig config, boolean joined) {
        super(version);
        this.config = config;
        List<Bottleneck> list = new ArrayList<>();
        long in = config.inChannels();
        for (int i = 0; i < config.units(); i++) {
            boolean first = i == 0;
            Bottleneck unit =
                    new Bottleneck(
                            in,
                            config.planes(),
                            first ? config.stride() : 1,
                            first,
                            joined,
                            config.zeroLastGamma());
            list.add(addChildBlock("units." + i, unit));
            in = unit.getOutChannels();
        }
        units = Collections.unmodifiableList(list);
    }

    /**
     * Returns the stage's bottleneck units in order.
     *
     * @return the units
     */
    public List<Bottleneck> getUnits() {
        return units;
    }

    /**
     * Returns what the stage was built from.
     *
     * @return the configuration
     */
    public StageConfig getConfig() {
        return config;
    }

    /**
     * Returns the context the backward path reads (DLA-L and DLA-B only).
     *
     * @return the mode
     */
    public ContextMode getContextMode() {
        return contextMode;
    }

    /**
     * Sets the context the backward path reads; other variants ignore it.
     *
     * @param contextMode the mode
     */
    public void setContextMode(ContextMode contextMode) {
        this.contextMode = contextMode;
    }

    /**
     * Returns the multiply-accumulates of the stage for one sample.
     *
     * @param height the input height
     * @param width the input width
     * @return the multiply-accumulates
     */
    public long macs(long height, long width) {
        long total = 0;
        long h = height;
        long w = width;
        for (Bottleneck unit : units) {
            total += unit.macs(h, w);
            h = unit.outSide(h);
            w = unit.outSide(w);
        }
        return total + units.size() * extraMacsPerUnit(config.outChannels(), h * w);
    }

    /**
     * Returns the multiply-accumulates the variant adds to each unit, for one sample.
     *
     * @param channels the stage's output channels C
     * @param pixels H·W of the stage's output
     * @return the multiply-accumulates
     */
    protected abstract long extraMacsPerUnit(long channels, long pixels);

    /**
     * Initialises the children the variant adds, after the units.
     *
     * @param manager the manager for the parameters
     * @param dataType the parameter type
     * @param unitOutput the shape of every unit's output [B, C, H, W]
     */
    protected abstract void initializeExtras(NDManager manager, DataType dataType, Shape unitOutput);

    /**
     * Returns the global average pool of a feature map.
     *
     * @param x [B, C, H, W]
     * @return [B, C]
     */
    protected static NDArray gap(NDArray x) {
        return Ops.gap(x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Bottleneck first = units.get(0);
        return new Shape[] {
            new Shape(in.get(0), config.outChannels(), first.outSide(in.get(2)), first.outSide(in.get(3)))
        };
    }

    @Override
    protected final void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = inputShapes[0];
        for (Bottleneck unit : units) {
            unit.initialize(manager, dataType, shape);
            shape = unit.getOutputShapes(new Shape[] {shape})[0];
        }
        initializeExtras(manager, dataType, shape);
    }
}
