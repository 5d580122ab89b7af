package ai.dla.zoo;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;
import ai.dla.network.DlaResNet;
import ai.dla.stage.ContextMode;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.ArgumentsUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the {@link DlaResNet} that a model's metadata describes, so that DJL's {@code Criteria}
 * loads DLA models with no block passed in code.
 *
 * <p>Arguments: {@code model} (required, such as {@code dla_l-20-fashion_mnist}); optional {@code
 * classes} and {@code inputChannels} (a replaced head or stem), {@code cell}, {@code dsuForm},
 * {@code contextNorm}, {@code reduction} and {@code contextMode} ({@code per-sample} by default).
 * For a model directory whose properties record the SHA-1 of the parameter file ({@link
 * ModelDirectory#PARAMETERS_SHA1}), the file is checked before DJL reads it.
 */
public final class DlaBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** The argument that names the model. */
    public static final String MODEL = "model";

    /** The argument that sets the context mode. */
    public static final String CONTEXT_MODE = "contextMode";

    /**
     * Returns the arguments that make DJL build a model's network with this factory and read it with
     * the DLA translators: what {@code serving.properties} and the zoo's metadata both carry.
     *
     * @param name the model
     * @return {@code blockFactory}, {@code translatorFactory} and {@value #MODEL}
     */
    static Map<String, String> factoryArguments(ModelName name) {
        Map<String, String> arguments = new LinkedHashMap<>();
        arguments.put("blockFactory", DlaBlockFactory.class.getName());
        arguments.put("translatorFactory", DlaTranslatorFactory.class.getName());
        arguments.put(MODEL, name.toString());
        return arguments;
    }

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        String name = ArgumentsUtil.stringValue(arguments, MODEL);
        if (name == null) {
            throw new IllegalArgumentException(
                    "The model's metadata has no '"
                            + MODEL
                            + "' argument naming the network (such as dla_l-20-cifar10)");
        }
        ModelName modelName = ModelName.parse(name);
        if (modelPath != null) {
            try {
                ModelDirectory.verifyParameters(modelPath, arguments);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        DlaResNet.Builder builder = modelName.builder();
        if (arguments.containsKey("classes")) {
            builder.setClasses(ArgumentsUtil.intValue(arguments, "classes"));
        }
        if (arguments.containsKey("inputChannels")) {
            builder.optInputChannels(ArgumentsUtil.intValue(arguments, "inputChannels"));
        }
        if (arguments.containsKey("reduction")) {
            builder.optReduction(ArgumentsUtil.intValue(arguments, "reduction"));
        }
        String cell = ArgumentsUtil.stringValue(arguments, "cell");
        if (cell != null) {
            builder.optCell(CellType.valueOf(cell.toUpperCase(Locale.ROOT)));
        }
        String form = ArgumentsUtil.stringValue(arguments, "dsuForm");
        if (form != null) {
            builder.optDsuForm(DsuForm.valueOf(form.toUpperCase(Locale.ROOT)));
        }
        String norm = ArgumentsUtil.stringValue(arguments, "contextNorm");
        if (norm != null) {
            builder.optContextNorm(ContextNorm.valueOf(norm.toUpperCase(Locale.ROOT)));
        }
        String mode = ArgumentsUtil.stringValue(arguments, CONTEXT_MODE, ContextMode.PER_SAMPLE.getId());
        return builder.optContextMode(ContextMode.fromId(mode)).build();
    }
}
