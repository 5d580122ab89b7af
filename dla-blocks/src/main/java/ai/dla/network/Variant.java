package ai.dla.network;

import ai.dla.stage.DlaBStage;
import ai.dla.stage.DlaLStage;
import ai.dla.stage.LiiStage;
import ai.dla.stage.MrlaStage;
import ai.dla.stage.PlainStage;
import ai.dla.stage.Stage;
import ai.dla.stage.StageConfig;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The network variants, each a way of building a stage on the same bottleneck backbone. */
public enum Variant {
    /** The plain bottleneck ResNet. */
    RESNET("resnet", PlainStage::new, false),
    /** MRLA-L: static light layer attention. */
    MRLA_L("mrla_l", MrlaStage::new, false),
    /** DLA-L: light Dynamic Layer Attention, the paper's main network. */
    DLA_L("dla_l", DlaLStage::new, true),
    /** DLA-B: basic Dynamic Layer Attention over all the stage's layers. */
    DLA_B("dla_b", DlaBStage::new, true),
    /** LII: DIANet's arrangement of a context cell gating each residual branch. */
    LII("lii", LiiStage::new, true);

    private final String id;
    private final Function<StageConfig, Stage> stageFactory;
    private final boolean hasCell;

    Variant(String id, Function<StageConfig, Stage> stageFactory, boolean hasCell) {
        this.id = id;
        this.stageFactory = stageFactory;
        this.hasCell = hasCell;
    }

    /**
     * Returns the name used in model names and the zoo's artifact ids.
     *
     * @return for example {@code dla_l}
     */
    public String getId() {
        return id;
    }

    /**
     * Returns whether the variant's stages carry a context cell.
     *
     * @return true for DLA-L, DLA-B and LII
     */
    public boolean hasCell() {
        return hasCell;
    }

    /**
     * Builds one stage of this variant.
     *
     * @param config what the stage is built from
     * @return the stage
     */
    public Stage newStage(StageConfig config) {
        return stageFactory.apply(config);
    }

    /**
     * Returns the variant with the given id.
     *
     * @param id for example {@code dla_l}
     * @return the variant
     * @throws IllegalArgumentException listing the valid ids for any other input
     */
    public static Variant fromId(String id) {
        for (Variant v : values()) {
            if (v.id.equals(id)) {
                return v;
            }
        }
        throw new IllegalArgumentException("Unknown variant '" + id + "'; valid variants: " + ids());
    }

    /**
     * Lists the valid ids.
     *
     * @return the ids, comma separated
     */
    public static String ids() {
        return Arrays.stream(values()).map(Variant::getId).collect(Collectors.joining(", "));
    }
}
