package ai.dla.zoo;

import ai.dla.resnet.DlaResNet;
import ai.dla.resnet.ModelName;

import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A DLA model directory: the parameters ({@code <model>-NNNN.params}, DJL's format) and a {@code
 * serving.properties} whose arguments name the network and its block factory. DJL loads it with
 * {@code Criteria.builder().optModelPath(dir)} and no block in code:
 *
 * <pre>{@code
 * Criteria<NDList, NDList> criteria = Criteria.builder()
 *         .setTypes(NDList.class, NDList.class)
 *         .optModelPath(Path.of("models/dla_l-20-cifar10"))
 *         .build();
 * }</pre>
 */
public final class ModelDirectory {

    /** The properties file DJL reads from a model directory. */
    public static final String PROPERTIES = "serving.properties";

    private ModelDirectory() {}

    /**
     * Writes a model directory: the parameters of {@code model} under the model name, and the
     * properties that let DJL rebuild the block.
     *
     * @param dir the directory, created if needed
     * @param model the model holding an initialised {@link DlaResNet}
     * @param name the model's name
     * @param extraArguments arguments to record besides the network's settings (may be empty)
     * @throws IOException if the directory cannot be written
     */
    public static void write(Path dir, Model model, ModelName name, Map<String, String> extraArguments)
            throws IOException {
        if (!(model.getBlock() instanceof DlaResNet net)) {
            throw new IllegalArgumentException("The model's block is not a DlaResNet");
        }
        Files.createDirectories(dir);
        model.save(dir, name.toString());

        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("engine", "PyTorch");
        properties.put("option.modelName", name.toString());
        properties.put("blockFactory", DlaBlockFactory.class.getName());
        properties.put("translatorFactory", DlaTranslatorFactory.class.getName());
        properties.put(DlaBlockFactory.MODEL, name.toString());
        properties.put("classes", String.valueOf(net.getClasses()));
        properties.put("inputChannels", String.valueOf(net.getInputChannels()));
        properties.put(DlaBlockFactory.CONTEXT_MODE, net.getContextMode().getId());
        properties.putAll(extraArguments);
        try (Writer w = Files.newBufferedWriter(dir.resolve(PROPERTIES), StandardCharsets.UTF_8)) {
            w.write("# DLA model directory: load with Criteria.builder().optModelPath(<this directory>)\n");
            for (Map.Entry<String, String> e : properties.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        }
    }

    /**
     * Loads a model directory for tensors in and out ({@code NDList} of NCHW images to {@code
     * NDList} of logits).
     *
     * @param dir the directory
     * @param arguments arguments that override the directory's (for example {@code contextMode})
     * @return the model
     * @throws IOException if the directory or its files are missing; the message says which
     * @throws ModelException if DJL cannot load the model
     */
    public static ZooModel<NDList, NDList> loadTensors(Path dir, Map<String, Object> arguments)
            throws IOException, ModelException {
        return criteria(dir, NDList.class, NDList.class).optArguments(arguments).build().loadModel();
    }

    /**
     * Returns a criteria builder for a model directory, with the DLA translators, so that images
     * ({@code Image} or {@code Path} to {@code Classifications}) get the model's preprocessing.
     * DJL picks a translator before it reads {@code serving.properties}, so without {@code
     * optTranslatorFactory} an image would get DJL's generic image translator.
     *
     * @param dir the model directory
     * @param input the input type: {@code Image}, {@code Path} or {@code NDList}
     * @param output the output type: {@code Classifications}, or {@code NDList} for NDList input
     * @param <I> the input type
     * @param <O> the output type
     * @return the builder
     * @throws IOException if the directory is not a DLA model directory; the message says why
     */
    public static <I, O> Criteria.Builder<I, O> criteria(Path dir, Class<I> input, Class<O> output)
            throws IOException {
        check(dir);
        return Criteria.builder()
                .setTypes(input, output)
                .optModelPath(dir)
                .optTranslatorFactory(new DlaTranslatorFactory());
    }

    /**
     * Checks that a directory holds a DLA model, with a message naming what is missing.
     *
     * @param dir the directory
     * @throws IOException if the directory, its properties or its parameters are missing
     */
    public static void check(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("Model directory not found: " + dir.toAbsolutePath());
        }
        if (!Files.isRegularFile(dir.resolve(PROPERTIES))) {
            throw new IOException(
                    "No "
                            + PROPERTIES
                            + " in "
                            + dir.toAbsolutePath()
                            + ": not a DLA model directory (write one with 'dla import')");
        }
        try (Stream<Path> files = Files.list(dir)) {
            if (files.noneMatch(p -> p.getFileName().toString().endsWith(".params"))) {
                throw new IOException("No .params file in model directory " + dir.toAbsolutePath());
            }
        }
    }
}
