package ai.dla.importer;

import ai.dla.cell.CellType;
import ai.dla.cell.DsuForm;
import ai.dla.network.DlaResNet;
import ai.dla.network.DlaResNetConfig;
import ai.dla.network.Layout;
import ai.dla.network.Variant;

import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the published checkpoints name the parameters (architecture spec, section 7), as rewrite
 * rules from this library's parameter paths ({@code stages.0.units.1.conv1.weight}) to published
 * keys ({@code stages.0.layers.1.conv1.weight}).
 */
public enum CheckpointLayout {
    /** CIFAR DLA-L: {@code stages.{s}.layers.{j}}, {@code attention.{j}.layer_attention}, {@code excite}. */
    CIFAR_DLA_L(Variant.DLA_L, Layout.CIFAR, "stages.%d", List.of(
            rule("\\.units\\.", ".layers."),
            rule("\\.attention\\.(\\d+)\\.lambda$", ".attention.$1.layer_attention.lambda_t"),
            rule("\\.attention\\.(\\d+)\\.wq$", ".attention.$1.layer_attention.layer_attention.Wq.weight"),
            rule("\\.attention\\.(\\d+)\\.wk$", ".attention.$1.layer_attention.layer_attention.Wk.weight"),
            rule("\\.attention\\.(\\d+)\\.wv$", ".attention.$1.layer_attention.layer_attention.Wv.weight"),
            rule("\\.attention\\.(\\d+)\\.bn\\.", ".attention.$1.bn_layer_attention."),
            rule("\\.dw\\.", ".excite."))),
    /** CIFAR DLA-B: as CIFAR DLA-L without λ and DW. */
    CIFAR_DLA_B(Variant.DLA_B, Layout.CIFAR, "stages.%d", CIFAR_DLA_L.rules),
    /** CIFAR MRLA-L: {@code layer{i}.{j}}, attention inside the unit as {@code mrla} and {@code bn_mrla}. */
    CIFAR_MRLA_L(Variant.MRLA_L, Layout.CIFAR, "layer%d", List.of(
            rule("\\.units\\.(\\d+)\\.", ".$1."),
            rule("\\.attention\\.(\\d+)\\.lambda$", ".$1.mrla.lambda_t"),
            rule("\\.attention\\.(\\d+)\\.wq$", ".$1.mrla.mrla.Wq.weight"),
            rule("\\.attention\\.(\\d+)\\.wk$", ".$1.mrla.mrla.Wk.weight"),
            rule("\\.attention\\.(\\d+)\\.wv$", ".$1.mrla.mrla.Wv.weight"),
            rule("\\.attention\\.(\\d+)\\.bn\\.", ".$1.bn_mrla."))),
    /** ImageNet DLA-L: {@code layer{i}.layers.{j}}, {@code layer_attention.mrla}, {@code extict}. */
    IMAGENET_DLA_L(Variant.DLA_L, Layout.IMAGENET, "layer%d", List.of(
            rule("\\.units\\.", ".layers."),
            rule("\\.attention\\.(\\d+)\\.lambda$", ".attention.$1.layer_attention.lambda_t"),
            rule("\\.attention\\.(\\d+)\\.wq$", ".attention.$1.layer_attention.mrla.Wq.weight"),
            rule("\\.attention\\.(\\d+)\\.wk$", ".attention.$1.layer_attention.mrla.Wk.weight"),
            rule("\\.attention\\.(\\d+)\\.wv$", ".attention.$1.layer_attention.mrla.Wv.weight"),
            rule("\\.attention\\.(\\d+)\\.bn\\.", ".attention.$1.bn_layer_attention."),
            rule("\\.dw\\.", ".extict."))),
    /** CIFAR plain ResNet in torchvision's naming: {@code layer{i}.{j}.conv1}, {@code downsample}. */
    CIFAR_RESNET(Variant.RESNET, Layout.CIFAR, "layer%d", List.of(rule("\\.units\\.(\\d+)\\.", ".$1."))),
    /** ImageNet plain ResNet in torchvision's naming (its ResNet-50 and -101 weights load as they are). */
    IMAGENET_RESNET(Variant.RESNET, Layout.IMAGENET, "layer%d", CIFAR_RESNET.rules);

    /** Renames shared by every layout, applied after the layout's own rules. */
    private static final List<Rule> COMMON = List.of(
            rule("^stem\\.conv\\.", "conv1."),
            rule("^stem\\.bn\\.", "bn1."),
            rule("^head\\.", "fc."),
            rule("\\.shortcut\\.conv\\.", ".downsample.0."),
            rule("\\.shortcut\\.bn\\.", ".downsample.1."),
            rule("\\.cell\\.gates\\.ih\\.fc1\\.", ".lstm.w_ih.0.seq.0."),
            rule("\\.cell\\.gates\\.ih\\.fc2\\.", ".lstm.w_ih.0.seq.2."),
            rule("\\.cell\\.gates\\.hh\\.fc1\\.", ".lstm.w_hh.0.seq.0."),
            rule("\\.cell\\.gates\\.hh\\.fc2\\.", ".lstm.w_hh.0.seq.2."),
            rule("\\.gamma$", ".weight"),
            rule("\\.beta$", ".bias"),
            rule("\\.runningMean$", ".running_mean"),
            rule("\\.runningVar$", ".running_var"));

    private static final Pattern STAGE = Pattern.compile("^stages\\.(\\d+)\\.");

    private final Variant variant;
    private final Layout layout;
    private final String stageFormat;
    private final List<Rule> rules;

    CheckpointLayout(Variant variant, Layout layout, String stageFormat, List<Rule> rules) {
        this.variant = variant;
        this.layout = layout;
        this.stageFormat = stageFormat;
        this.rules = rules;
    }

    /**
     * Finds the published layout of a network.
     *
     * @param net the network
     * @return its checkpoint layout
     * @throws IllegalArgumentException if the published code has no checkpoint of this kind
     */
    public static CheckpointLayout of(DlaResNet net) {
        DlaResNetConfig c = net.getConfig();
        boolean publishedCell = !c.variant().hasCell() || (c.cell() == CellType.DSU && c.dsuForm() == DsuForm.PUBLISHED);
        for (CheckpointLayout l : values()) {
            if (publishedCell && l.variant == c.variant() && l.layout == c.layout()) {
                return l;
            }
        }
        StringJoiner known = new StringJoiner(", ");
        for (CheckpointLayout l : values()) {
            known.add(l.variant.getId() + " " + l.layout.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException(
                "No published checkpoint layout for "
                        + c.describe()
                        + (publishedCell ? "" : " with a " + c.cell() + " cell in " + c.dsuForm() + " form")
                        + "; importable networks (with the published DSU): "
                        + known);
    }

    /**
     * Returns the published key of one of this library's parameter paths.
     *
     * @param path a path such as {@code stages.0.units.1.conv1.weight}
     * @return the published key, such as {@code stages.0.layers.1.conv1.weight}
     */
    public String publishedKey(String path) {
        String key = path;
        Matcher stage = STAGE.matcher(key);
        if (stage.find()) {
            int index = Integer.parseInt(stage.group(1));
            int number = stageFormat.startsWith("layer") ? index + 1 : index;
            key = String.format(Locale.ROOT, stageFormat, number) + "." + key.substring(stage.end());
        }
        for (Rule r : rules) {
            key = r.apply(key);
        }
        for (Rule r : COMMON) {
            key = r.apply(key);
        }
        return key;
    }

    private static Rule rule(String regex, String replacement) {
        return new Rule(Pattern.compile(regex), replacement);
    }

    private record Rule(Pattern pattern, String replacement) {
        String apply(String key) {
            return pattern.matcher(key).replaceAll(replacement);
        }
    }
}
