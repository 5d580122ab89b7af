package ai.dla.network;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;
import ai.dla.stage.ContextMode;
import ai.dla.stage.DropPath;
import ai.dla.stage.StageConfig;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * What a {@link DlaResNet} is built from: an immutable value, valid by construction. {@link
 * DlaResNet.Builder} makes it; {@link DlaResNet#getConfig()} returns it.
 *
 * <p>A setting left to its default stays a default: {@code reduction} is empty unless it was set,
 * and {@link #reductionRatio()} derives the layout's published ratio when asked, so a copy built
 * with another layout gets that layout's ratio.
 *
 * @param variant the variant
 * @param depth the depth, valid for the layout
 * @param classes the classifier's classes, positive
 * @param layout the backbone layout
 * @param inputChannels the image channels, positive
 * @param reduction the DSU reduction ratio r if set, empty for the layout's published ratio
 * @param cell the context cell (meaningful for DLA-L, DLA-B and LII)
 * @param dsuForm the DSU form
 * @param contextNorm the function that turns the DSU's cell state into its output
 * @param dropPathRate the drop-path rate of the attention branch in training, in [0, 1)
 * @param contextMode the context the DSU's backward path reads
 */
public record DlaResNetConfig(
        Variant variant,
        int depth,
        int classes,
        Layout layout,
        int inputChannels,
        OptionalInt reduction,
        CellType cell,
        DsuForm dsuForm,
        ContextNorm contextNorm,
        float dropPathRate,
        ContextMode contextMode) {

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException naming the setting that is missing or out of range
     */
    public DlaResNetConfig {
        if (variant == null) {
            throw new IllegalArgumentException("No variant set: call setVariant(...) with one of " + Variant.ids());
        }
        if (layout == null || reduction == null || cell == null || dsuForm == null || contextNorm == null
                || contextMode == null) {
            throw new IllegalArgumentException(
                    "layout, reduction, cell, DSU form, context norm and context mode must not be null");
        }
        layout.unitsPerStage(depth);
        if (classes <= 0) {
            throw new IllegalArgumentException(
                    "The number of classes must be positive, got " + classes + "; call setClasses(n)");
        }
        if (inputChannels <= 0) {
            throw new IllegalArgumentException("Input channels must be positive, got " + inputChannels);
        }
        if (reduction.isPresent() && reduction.getAsInt() <= 0) {
            throw new IllegalArgumentException("The reduction ratio must be positive, got " + reduction.getAsInt());
        }
        if (!variant.hasCell() && cell != CellType.DSU) {
            throw new IllegalArgumentException("The " + variant.getId() + " variant has no context cell, so optCell("
                    + cell + ") does not apply; optCell applies to dla_l, dla_b and lii");
        }
        DropPath.checkRate(dropPathRate);
    }

    /**
     * Returns the DSU reduction ratio r in use: the one set, or the layout's published ratio.
     *
     * @return r (4 for CIFAR, 16 for ImageNet by default)
     */
    public int reductionRatio() {
        return reduction.orElse(layout.getDefaultReduction());
    }

    /**
     * Returns the same configuration for another number of classes.
     *
     * @param newClasses positive
     * @return the new configuration
     */
    public DlaResNetConfig withClasses(int newClasses) {
        return new DlaResNetConfig(variant, depth, newClasses, layout, inputChannels, reduction, cell, dsuForm,
                contextNorm, dropPathRate, contextMode);
    }

    /**
     * Returns the same configuration with another context mode.
     *
     * @param mode the mode
     * @return the new configuration
     * @throws IllegalArgumentException if the mode is null
     */
    public DlaResNetConfig withContextMode(ContextMode mode) {
        return new DlaResNetConfig(variant, depth, classes, layout, inputChannels, reduction, cell, dsuForm,
                contextNorm, dropPathRate, mode);
    }

    /**
     * Returns what each stage is built from.
     *
     * @return one configuration per stage, in order
     */
    public StageConfig[] stages() {
        int[] planes = layout.getPlanes();
        int[] units = layout.unitsPerStage(depth);
        StageConfig[] stages = new StageConfig[planes.length];
        long in = layout.getStemChannels();
        for (int s = 0; s < planes.length; s++) {
            stages[s] = new StageConfig(in, planes[s], units[s], s == 0 ? 1 : 2, reductionRatio(), cell, dsuForm,
                    contextNorm, dropPathRate, layout.zeroLastGamma());
            in = stages[s].outChannels();
        }
        return stages;
    }

    /**
     * Describes the network in one line, for messages and for the signature its parameter files
     * carry (a file loads only into a network with the same description).
     *
     * @return for example {@code dla_l-20 layout=cifar classes=10 channels=3 r=4 cell=DSU
     *     form=PUBLISHED norm=SIGMOID}; the cell, form and norm are {@code -} for variants without a
     *     context cell
     */
    public String describe() {
        boolean hasCell = variant.hasCell();
        return String.format(Locale.ROOT, "%s-%d layout=%s classes=%d channels=%d r=%d cell=%s form=%s norm=%s",
                variant.getId(), depth, layout.name().toLowerCase(Locale.ROOT), classes, inputChannels,
                reductionRatio(), hasCell ? cell : "-", hasCell ? dsuForm : "-", hasCell ? contextNorm : "-");
    }
}
