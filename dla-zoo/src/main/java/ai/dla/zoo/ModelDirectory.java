package ai.dla.zoo;

import ai.dla.network.DlaResNet;

import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** The property that names the parameter file of the directory. */
    public static final String PARAMETERS = "parametersFile";

    /** The property that holds the SHA-1 of the parameter file, checked before every load. */
    public static final String PARAMETERS_SHA1 = "parametersSha1";

    /**
     * The load option naming the epoch of the parameter file. Without it DJL 0.25 finds the
     * latest epoch with a {@code Files.walk} it never closes ({@code Utils.getCurrentEpoch}), which
     * leaks a directory handle and its 32 KB buffer on every load.
     */
    public static final String EPOCH_OPTION = "epoch";

    /**
     * The model property from which {@code Model.save} numbers the parameter file. Without it DJL
     * 0.25 searches the directory with the unclosed {@code Files.walk} of {@code
     * Utils.getCurrentEpoch}, leaking a directory handle per save.
     */
    private static final String SAVE_EPOCH = "Epoch";

    private static final Pattern EPOCH = Pattern.compile("-(\\d{4})\\.params$");

    private ModelDirectory() {}

    /**
     * Writes a model directory: the parameters of {@code model} under the model name, and the
     * properties that let DJL rebuild the block. The parameter file is numbered from the model's
     * {@code Epoch} property, which is set to 0 if absent.
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
        if (model.getProperty(SAVE_EPOCH) == null) {
            model.setProperty(SAVE_EPOCH, "0");
        }
        model.save(dir, name.toString());

        Properties properties = new Properties();
        properties.setProperty("engine", "PyTorch");
        properties.setProperty("option.modelName", name.toString());
        properties.putAll(DlaBlockFactory.factoryArguments(name));
        properties.setProperty("classes", String.valueOf(net.getConfig().classes()));
        properties.setProperty("inputChannels", String.valueOf(net.getConfig().inputChannels()));
        properties.setProperty(DlaBlockFactory.CONTEXT_MODE, net.getConfig().contextMode().getId());
        properties.putAll(extraArguments);
        Path params = parameterFile(dir, name.toString());
        properties.setProperty(PARAMETERS, params.getFileName().toString());
        properties.setProperty(PARAMETERS_SHA1, DlaModelLoader.sha1(params));
        properties.setProperty("option." + EPOCH_OPTION, epoch(params));
        try (Writer w = Files.newBufferedWriter(dir.resolve(PROPERTIES), StandardCharsets.UTF_8)) {
            properties.store(w, "DLA model directory: load with Criteria.builder().optModelPath(<this directory>)");
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
     * @param output the output type: {@code Classifications}, {@code float[]} (the embedding) or {@code
     *     NDList} (see {@link DlaTranslatorFactory})
     * @param <I> the input type
     * @param <O> the output type
     * @return the builder
     * @throws IOException if the directory is not a DLA model directory; the message says why
     * @throws IllegalArgumentException if DLA models do not translate these types
     */
    public static <I, O> Criteria.Builder<I, O> criteria(Path dir, Class<I> input, Class<O> output)
            throws IOException {
        DlaTranslatorFactory.checkTypes(input, output);
        checkLayout(dir);
        return Criteria.builder()
                .setTypes(input, output)
                .optModelPath(dir)
                .optOptions(loadOptions(dir))
                .optTranslatorFactory(new DlaTranslatorFactory());
    }

    /**
     * Checks that a directory holds a DLA model: its {@code serving.properties} is readable and
     * names a network, and its parameter file is there and, where the properties record a SHA-1,
     * unchanged since it was written.
     *
     * @param dir the directory
     * @throws IOException naming the missing or damaged file and what to do
     */
    public static void check(Path dir) throws IOException {
        verifyParameters(dir, checkLayout(dir));
    }

    /**
     * Checks what {@link #check} checks except the parameter file's hash, which the block factory
     * checks when DJL loads the directory; returns the properties.
     */
    private static Map<String, String> checkLayout(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("Model directory not found: " + dir.toAbsolutePath());
        }
        Path file = dir.resolve(PROPERTIES);
        if (!Files.isRegularFile(file)) {
            throw new IOException("No " + PROPERTIES + " in " + dir.toAbsolutePath()
                    + ": not a DLA model directory (write one with 'dla import')");
        }
        Properties properties = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(r);
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw new IOException(file.toAbsolutePath() + " is damaged (" + e.getMessage()
                    + "): restore the model directory from a good copy", e);
        }
        String model = properties.getProperty(DlaBlockFactory.MODEL);
        if (model == null) {
            throw new IOException(file.toAbsolutePath() + " names no network (property '" + DlaBlockFactory.MODEL
                    + "'): restore the model directory from a good copy");
        }
        try {
            ModelName.parse(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(file.toAbsolutePath() + " is damaged: " + e.getMessage(), e);
        }
        Map<String, String> arguments = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> arguments.put(k, properties.getProperty(k)));
        try (Stream<Path> files = Files.list(dir)) {
            if (files.noneMatch(p -> p.getFileName().toString().endsWith(".params"))) {
                throw new IOException("No .params file in model directory " + dir.toAbsolutePath());
            }
        }
        return arguments;
    }

    /**
     * Checks the parameter file that a model directory's properties name against the SHA-1 they
     * record. Directories written before the hash was recorded pass unchecked.
     *
     * @param dir the model directory
     * @param arguments its properties
     * @throws IOException if the named file is missing or its hash differs; the message names it
     */
    static void verifyParameters(Path dir, Map<String, ?> arguments) throws IOException {
        Object name = arguments.get(PARAMETERS);
        if (name == null) {
            return;
        }
        Path params = dir.resolve(name.toString());
        if (!Files.isRegularFile(params)) {
            throw new IOException(dir.resolve(PROPERTIES).toAbsolutePath() + " names the parameter file " + name
                    + ", which is not in the directory: restore the model directory from a good copy");
        }
        Object expected = arguments.get(PARAMETERS_SHA1);
        if (expected != null) {
            String actual = DlaModelLoader.sha1(params);
            if (!actual.equalsIgnoreCase(expected.toString())) {
                throw new IOException("The parameter file " + params.toAbsolutePath() + " is damaged: its SHA-1 is "
                        + actual + ", but " + PROPERTIES + " records " + expected
                        + "; restore it from a good copy (or import or train it again)");
            }
        }
    }

    /**
     * Returns the options with which DJL loads a model directory's parameters: the epoch of its
     * parameter file ({@link #EPOCH_OPTION}), so that DJL does not search the directory for it.
     *
     * @param dir the model directory
     * @return the options, for {@code Criteria.optOptions} or {@code Model.load}
     * @throws IOException if the directory holds no parameter file
     */
    public static Map<String, String> loadOptions(Path dir) throws IOException {
        return Map.of(EPOCH_OPTION, epoch(parameterFile(dir, null)));
    }

    private static String epoch(Path params) {
        Matcher m = EPOCH.matcher(params.getFileName().toString());
        if (!m.find()) {
            throw new IllegalArgumentException(params + " is not named <model>-NNNN.params");
        }
        return String.valueOf(Integer.parseInt(m.group(1)));
    }

    /**
     * Returns the SHA-1 of a file, in lower-case hex: the hash a model directory records of its
     * parameters.
     *
     * @param file the file
     * @return the hash
     * @throws IOException if the file cannot be read
     */
    public static String sha1(Path file) throws IOException {
        return DlaModelLoader.sha1(file);
    }

    /**
     * Returns the latest parameter file of a directory, {@code <model>-NNNN.params} with the highest
     * epoch.
     *
     * @param dir the directory
     * @param name the model name the file must carry, or null for any
     * @return the file
     * @throws IOException if there is none
     */
    static Path parameterFile(Path dir, String name) throws IOException {
        Pattern pattern = Pattern.compile((name == null ? ".+" : Pattern.quote(name)) + EPOCH.pattern());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> pattern.matcher(p.getFileName().toString()).matches())
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new IOException("No " + (name == null ? "<model>" : name)
                            + "-NNNN.params file in " + dir.toAbsolutePath()));
        }
    }
}
