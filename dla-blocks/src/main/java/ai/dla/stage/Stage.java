package ai.dla.stage;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * One stage of the bottleneck ResNet: its units, and the parts a variant adds between them (a
 * context cell, one attention per unit, DropPath). Nothing (context, tokens, shortcut) crosses a
 * stage boundary.
 *
 * <p>A variant registers its parts in its constructor with {@link #addPart} or {@link #addPerUnit},
 * each with the input shapes it is initialised with, and states their cost in {@link #extraMacs};
 * this class initialises them after the units and adds up the cost. The registration order is the
 * order of the parameter file.
 *
 * <p>Forward input {@code NDList(x)} [B, Cin, H, W]; output {@code NDList(x')} [B, 4p, H/s, W/s].
 */
public abstract class Stage extends AbstractBlock {

    /** What the stage is built from. */
    protected final StageConfig config;

    /** The stage's bottleneck units in order. */
    protected final List<Bottleneck> units;

    private final List<Part> parts = new ArrayList<>();
    private ContextMode contextMode = ContextMode.PER_SAMPLE;

    /**
     * Creates the stage's units as its first children.
     *
     * @param version the block version
     * @param config what the stage is built from
     */
    protected Stage(byte version, StageConfig config) {
        super(version);
        this.config = config;
        List<Bottleneck> list = new ArrayList<>();
        long in = config.inChannels();
        for (int i = 0; i < config.units(); i++) {
            boolean first = i == 0;
            Bottleneck unit = new Bottleneck(
                    in, config.planes(), first ? config.stride() : 1, first, config.zeroLastGamma());
            list.add(addChildBlock("units." + i, unit));
            in = unit.getOutChannels();
        }
        units = Collections.unmodifiableList(list);
    }

    /**
     * Registers a part the variant adds, initialised after the units.
     *
     * @param name the child's name
     * @param block the part
     * @param shapes the part's input shapes, from the shape of every unit's output [B, C, H, W]
     * @param <B> the part's type
     * @return the part
     */
    protected final <B extends Block> B addPart(String name, B block, Function<Shape, Shape[]> shapes) {
        parts.add(new Part(addChildBlock(name, block), shapes));
        return block;
    }

    /**
     * Registers one part per unit, named {@code name.0}, {@code name.1}, ...
     *
     * @param name the children's name
     * @param factory builds the part of a unit from the stage's output channels
     * @param shapes the parts' input shapes, from the shape of every unit's output
     * @param <B> the parts' type
     * @return the parts in unit order
     */
    protected final <B extends Block> List<B> addPerUnit(
            String name, IntFunction<B> factory, Function<Shape, Shape[]> shapes) {
        List<B> list = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
            list.add(addPart(name + "." + i, factory.apply(config.outChannels()), shapes));
        }
        return Collections.unmodifiableList(list);
    }

    /**
     * The input shape of a part that takes one unit output.
     *
     * @param unitOutput [B, C, H, W]
     * @return {@code {unitOutput}}
     */
    protected static Shape[] map(Shape unitOutput) {
        return new Shape[] {unitOutput};
    }

    /**
     * The input shapes of a context cell: a summary and the state (h, c), each [B, C].
     *
     * @param unitOutput [B, C, H, W]
     * @return three [B, C] shapes
     */
    protected static Shape[] cellInputs(Shape unitOutput) {
        Shape state = new Shape(unitOutput.get(0), unitOutput.get(1));
        return new Shape[] {state, state, state};
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
     * Returns the multiply-accumulates of the stage for one sample: the units' convolutions and what
     * the variant adds to each unit ({@link #extraMacs}).
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
        for (int l = 0; l < units.size(); l++) {
            total += extraMacs(l, config.outChannels(), h * w);
        }
        return total;
    }

    /**
     * Returns the multiply-accumulates the variant adds to one unit, for one sample; none by default.
     *
     * @param unit the unit's index l in the stage
     * @param channels the stage's output channels C
     * @param pixels H·W of the stage's output
     * @return the multiply-accumulates
     */
    protected long extraMacs(int unit, long channels, long pixels) {
        return 0;
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
    protected final void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = inputShapes[0];
        for (Bottleneck unit : units) {
            unit.initialize(manager, dataType, shape);
            shape = unit.getOutputShapes(new Shape[] {shape})[0];
        }
        for (Part part : parts) {
            part.block().initialize(manager, dataType, part.shapes().apply(shape));
        }
    }

    /** A registered part and its input shapes. */
    private record Part(Block block, Function<Shape, Shape[]> shapes) {}
}
