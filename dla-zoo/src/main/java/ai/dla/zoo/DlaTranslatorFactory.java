package ai.dla.zoo;

import ai.dla.network.DlaResNet;
import ai.dla.network.FeatureExtractor;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.translator.BaseImageTranslator;
import ai.djl.modality.cv.translator.BaseImageTranslatorFactory;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.PreProcessor;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The translators of DLA models, applying the {@link Preprocessing} of the dataset the model was
 * trained on to images. Images come as {@code Image}, or through DJL's own expansions as an image
 * file {@code Path}, a {@code URL} or an {@code InputStream} (and on DJL 0.36 a {@code String}
 * naming a file or URL):
 *
 * <ul>
 *   <li>an image to {@code Classifications}: the class probabilities, through DJL's {@link
 *       ImageClassificationTranslator} with the dataset's pipeline and class names;
 *   <li>an image to {@code float[]}: the pooled embedding before the head ({@link
 *       DlaResNet#forwardFeatures}), for image retrieval and linear probes;
 *   <li>an image to {@code NDList}: the embedding as an array [C], or with the argument {@code
 *       output=feature_maps} each stage's map [C_s, H_s, W_s]; the caller closes it;
 *   <li>{@code Input} to {@code Output}: DJL Serving's image bytes to the classifications as JSON;
 *   <li>{@code NDList} to {@code NDList}: normalised NCHW batches to logits, or to embeddings or
 *       feature maps with the argument {@value #OUTPUT}.
 * </ul>
 *
 * <p>For features the model's block becomes a {@link FeatureExtractor} over the network.
 *
 * <p>The {@code NDList} translator checks each batch before the network runs: NCHW with the
 * network's input channels and at least one image, finite values; other numeric types (float64,
 * integers) are converted to float32. An image file that cannot be read is named, with the formats
 * that can.
 *
 * <p>Class names come from {@code synset.txt} in the model directory when there is one (a
 * fine-tuned model), otherwise from the dataset's class list; a model whose classes differ from
 * both gets names {@code class 0}, {@code class 1} and so on.
 */
public final class DlaTranslatorFactory implements TranslatorFactory {

    /** The file in a model directory that lists the class names, one per line. */
    public static final String SYNSET = "synset.txt";

    /** The argument that selects what the model returns: {@code logits}, {@code embedding} or {@code feature_maps}. */
    public static final String OUTPUT = "output";

    private static final String LOGITS = "logits";

    private static final Set<Pair<Type, Type>> SUPPORTED = supportedTypes();

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        checkTypes(input, output);
        DlaResNet net = network(model.getBlock());
        FeatureExtractor.Output features = features(input, output, arguments);
        model.setBlock(features == null ? net : new FeatureExtractor(net, features));
        if (input == NDList.class) {
            return (Translator<I, O>) new TensorTranslator(net);
        }
        String name = ArgumentsUtil.stringValue(arguments, DlaBlockFactory.MODEL);
        if (name == null) {
            throw new TranslateException("The model's arguments do not name the network (argument 'model')");
        }
        ModelName modelName = ModelName.parse(name);
        Preprocessing preprocessing = new Preprocessing(modelName.dataset());
        if (output == float[].class) {
            return new ImageInputs<>(float[].class, new ImageFeatures<>(preprocessing,
                    list -> list.singletonOrThrow().toFloatArray())).newInstance(input, output, model, arguments);
        }
        if (output == NDList.class) {
            return new ImageInputs<>(NDList.class, new ImageFeatures<>(preprocessing, DlaTranslatorFactory::detached))
                    .newInstance(input, output, model, arguments);
        }
        List<String> classes;
        try {
            classes = classNames(model, modelName, net.getConfig().classes());
        } catch (IOException e) {
            throw new TranslateException("Cannot read the class names of " + name + ": " + e.getMessage(), e);
        }
        ImageClassificationTranslator classifier = ImageClassificationTranslator.builder()
                .setPipeline(preprocessing.pipeline(true))
                .optFlag(preprocessing.flag())
                .optSynset(classes)
                .optApplySoftmax(true)
                .build();
        return new ImageInputs<>(Classifications.class, classifier).newInstance(input, output, model, arguments);
    }

    private static DlaResNet network(Block block) throws TranslateException {
        if (block instanceof DlaResNet net) {
            return net;
        }
        if (block instanceof FeatureExtractor extractor) {
            return extractor.getNetwork();
        }
        throw new TranslateException("The model's block is not a DlaResNet: load it through the dla zoo");
    }

    /** What the block returns for these types and arguments: null for the logits. */
    private static FeatureExtractor.Output features(Class<?> input, Class<?> output, Map<String, ?> arguments) {
        String fallback = output == float[].class || (input != NDList.class && output == NDList.class)
                ? FeatureExtractor.Output.EMBEDDING.getId()
                : LOGITS;
        String wanted = ArgumentsUtil.stringValue(arguments, OUTPUT, fallback).toLowerCase(Locale.ROOT);
        FeatureExtractor.Output features = null;
        for (FeatureExtractor.Output o : FeatureExtractor.Output.values()) {
            features = o.getId().equals(wanted) ? o : features;
        }
        boolean fits = output == NDList.class
                ? features != null || (input == NDList.class && LOGITS.equals(wanted))
                : output == float[].class ? features == FeatureExtractor.Output.EMBEDDING : LOGITS.equals(wanted);
        if (!fits) {
            throw new IllegalArgumentException("The argument " + OUTPUT + "=" + wanted + " does not fit "
                    + input.getSimpleName() + " to " + output.getSimpleName() + ": use " + LOGITS
                    + " for Classifications or NDList logits, " + FeatureExtractor.Output.EMBEDDING.getId()
                    + " for float[] or NDList, " + FeatureExtractor.Output.FEATURE_MAPS.getId() + " for NDList");
        }
        return features;
    }

    /**
     * Checks that DLA models translate one type into the other.
     *
     * @param input the input type
     * @param output the output type
     * @throws IllegalArgumentException naming the supported pairs
     */
    static void checkTypes(Class<?> input, Class<?> output) {
        if (!SUPPORTED.contains(new Pair<Type, Type>(input, output))) {
            String images = SUPPORTED.stream()
                    .filter(p -> p.getValue() == Classifications.class)
                    .map(p -> ((Class<?>) p.getKey()).getSimpleName())
                    .sorted()
                    .collect(Collectors.joining(", "));
            throw new IllegalArgumentException("DLA models translate images (" + images + ") to Classifications,"
                    + " float[] or NDList, NDList to NDList, or Input to Output (DJL Serving); not "
                    + input.getSimpleName() + " to " + output.getSimpleName());
        }
    }

    private static List<String> classNames(Model model, ModelName name, int classes) throws IOException {
        Path dir = model.getModelPath();
        if (dir != null && Files.isRegularFile(dir.resolve(SYNSET))) {
            List<String> names = Files.readAllLines(dir.resolve(SYNSET), StandardCharsets.UTF_8);
            names.removeIf(String::isBlank);
            if (names.size() == classes) {
                return names;
            }
        }
        if (name.dataset().getClasses() == classes) {
            return name.dataset().getClassNames();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            names.add("class " + i);
        }
        return names;
    }

    /**
     * Normalised NCHW batches to logits, checked and converted to float32 first. The batch joins
     * the prediction's own manager for the pass, so that the checks' arrays are freed with it; the
     * logits are handed to the batch's manager.
     */
    private static final class TensorTranslator implements NoBatchifyTranslator<NDList, NDList> {

        private static final String CALLER = "caller";

        private final DlaResNet net;

        TensorTranslator(DlaResNet net) {
            this.net = net;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, NDList input) {
            if (input.isEmpty()) {
                throw new IllegalArgumentException(net.getConfig().describe() + " got an empty NDList: give one NCHW batch");
            }
            NDArray x = input.head();
            DataType type = net.getDataType();
            net.checkInput(x.getShape(), type);
            ctx.setAttachment(CALLER, x.getManager());
            x.tempAttach(ctx.getNDManager());
            if (x.getDataType() != type) {
                if (!x.getDataType().isFloating() && !x.getDataType().isInteger()) {
                    throw new IllegalArgumentException(net.getConfig().describe() + " takes numbers, not " + x.getDataType());
                }
                x = x.toType(type, false);
            }
            if (x.isNaN().logicalOr(x.isInfinite()).any().getBoolean()) {
                throw new IllegalArgumentException("The input batch " + x.getShape()
                        + " holds NaN or infinite values: check how it was computed");
            }
            return new NDList(x);
        }

        @Override
        public NDList processOutput(TranslatorContext ctx, NDList list) {
            list.attach((NDManager) ctx.getAttachment(CALLER));
            return list;
        }
    }

    /** The arrays the block returns, copied out of the prediction's manager for the caller to close. */
    private static NDList detached(NDList list) {
        NDList out = new NDList(list.size());
        for (NDArray a : list) {
            out.add(a.duplicate());
        }
        out.detach();
        return out;
    }

    private static Set<Pair<Type, Type>> supportedTypes() {
        Set<Pair<Type, Type>> types = new HashSet<>();
        for (Class<?> output : List.of(Classifications.class, float[].class, NDList.class)) {
            types.addAll(new ImageInputs<>(output, null).getSupportedTypes());
        }
        types.add(new Pair<>(NDList.class, NDList.class));
        return Set.copyOf(types);
    }

    /**
     * An image with the dataset's preprocessing to what the block returns (embedding or feature
     * maps), given to the caller by a function. Hand-written: DJL's {@code ImageFeatureExtractor}
     * returns the bytes of the first array only.
     */
    private static final class ImageFeatures<O> extends BaseImageTranslator<O> {

        private final Function<NDList, O> output;

        ImageFeatures(Preprocessing preprocessing, Function<NDList, O> output) {
            super(new Settings().setPipeline(preprocessing.pipeline(true)).optFlag(preprocessing.flag()));
            this.output = output;
        }

        @Override
        public O processOutput(TranslatorContext ctx, NDList list) {
            return output.apply(list);
        }

        /** The pipeline and colour flag, through DJL's image translator builder. */
        private static final class Settings extends BaseImageTranslator.BaseBuilder<Settings> {

            @Override
            protected Settings self() {
                return this;
            }
        }
    }

    /**
     * DJL's expansions of an image translator: {@code Path}, {@code URL} and {@code InputStream}
     * inputs, and {@code Input} to {@code Output} for DJL Serving. Image files are read by {@link
     * ImageFileReader}, which names a file that is not an image.
     */
    private static final class ImageInputs<O> extends BaseImageTranslatorFactory<O> {

        private final Class<O> output;
        private final Translator<Image, O> base;

        ImageInputs(Class<O> output, Translator<Image, O> base) {
            this.output = output;
            this.base = base;
        }

        @Override
        protected Translator<Image, O> buildBaseTranslator(Model model, Map<String, ?> arguments) {
            return base;
        }

        @Override
        public Class<O> getBaseOutputType() {
            return output;
        }

        @Override
        protected Map<Type, Function<PreProcessor<Image>, PreProcessor<?>>> getPreprocessorExpansions() {
            Map<Type, Function<PreProcessor<Image>, PreProcessor<?>>> expansions = super.getPreprocessorExpansions();
            expansions.put(Path.class, ImageFileReader::new);
            return expansions;
        }
    }

    /** An image file to the image translator's input, naming a file that cannot be read. */
    private static final class ImageFileReader implements PreProcessor<Path> {

        private final PreProcessor<Image> images;

        ImageFileReader(PreProcessor<Image> images) {
            this.images = images;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Path file) throws Exception {
            if (Files.isDirectory(file)) {
                throw new IOException(file.toAbsolutePath() + " is a directory, not an image file");
            }
            Image image;
            try {
                image = ImageFactory.getInstance().fromFile(file);
            } catch (IOException | RuntimeException e) {
                throw new IOException("Cannot read the image " + file.toAbsolutePath() + " ("
                        + (Files.isRegularFile(file) ? e.getMessage() : "no such file")
                        + "): give a PNG, JPEG, BMP or GIF file", e);
            }
            return images.processInput(ctx, image);
        }
    }
}
