package ai.dla.zoo;

import ai.dla.network.DlaResNet;
import ai.dla.network.FeatureExtractor;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.Batchifier;
import ai.djl.translate.NoBatchifyTranslator;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The translators of DLA models, applying the {@link Preprocessing} of the dataset the model was
 * trained on to {@code Image} and image file {@code Path} inputs:
 *
 * <ul>
 *   <li>{@code Image} or {@code Path} to {@code Classifications}: the class probabilities;
 *   <li>{@code Image} or {@code Path} to {@code float[]}: the pooled embedding before the head
 *       ({@link DlaResNet#forwardFeatures}), for image retrieval and linear probes;
 *   <li>{@code Image} or {@code Path} to {@code NDList}: the embedding as an array [C], or with the
 *       argument {@code output=feature_maps} each stage's map [C_s, H_s, W_s]; the caller closes it;
 *   <li>{@code NDList} to {@code NDList}: normalised NCHW batches to logits, or to embeddings or
 *       feature maps with the argument {@value #OUTPUT}.
 * </ul>
 *
 * <p>For features the model's block becomes a {@link FeatureExtractor} over the network.
 *
 * <p>The {@code NDList} translator checks each batch before the network runs: NCHW with the
 * network's input channels and at least one image, finite values; other numeric types (float64,
 * integers) are converted to float32.
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

    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(
            new Pair<>(Image.class, Classifications.class),
            new Pair<>(Path.class, Classifications.class),
            new Pair<>(Image.class, float[].class),
            new Pair<>(Path.class, float[].class),
            new Pair<>(Image.class, NDList.class),
            new Pair<>(Path.class, NDList.class),
            new Pair<>(NDList.class, NDList.class));

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
        ImageTranslator<?> images;
        if (output == Classifications.class) {
            try {
                images = new ImageClassifier(preprocessing, classNames(model, modelName, net.getConfig().classes()));
            } catch (IOException e) {
                throw new TranslateException("Cannot read the class names of " + name + ": " + e.getMessage(), e);
            }
        } else if (output == float[].class) {
            images = new ImageEmbedder(preprocessing);
        } else {
            images = new ImageFeatures(preprocessing);
        }
        return (Translator<I, O>) (input == Image.class ? images : new ImageFileTranslator<>(images));
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
            throw new IllegalArgumentException("DLA models translate Image or Path to Classifications, float[] or"
                    + " NDList, or NDList to NDList; not " + input.getSimpleName() + " to " + output.getSimpleName());
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

    /** An image to the network's input, with the dataset's preprocessing; the output is the subclass's. */
    private abstract static class ImageTranslator<O> implements Translator<Image, O> {

        private final Preprocessing preprocessing;

        ImageTranslator(Preprocessing preprocessing) {
            this.preprocessing = preprocessing;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Image image) {
            int size = preprocessing.dataset().getImageSize();
            boolean resize = image.getWidth() != size || image.getHeight() != size;
            NDList pixels = new NDList(image.toNDArray(ctx.getNDManager(), preprocessing.flag()));
            return preprocessing.pipeline(resize).transform(pixels);
        }

        @Override
        public Batchifier getBatchifier() {
            return Batchifier.STACK;
        }
    }

    /** Image to class probabilities. */
    private static final class ImageClassifier extends ImageTranslator<Classifications> {

        private final List<String> classes;

        ImageClassifier(Preprocessing preprocessing, List<String> classes) {
            super(preprocessing);
            this.classes = classes;
        }

        @Override
        public Classifications processOutput(TranslatorContext ctx, NDList list) {
            return new Classifications(classes, list.singletonOrThrow().softmax(-1));
        }
    }

    /** Image to its embedding. */
    private static final class ImageEmbedder extends ImageTranslator<float[]> {

        ImageEmbedder(Preprocessing preprocessing) {
            super(preprocessing);
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.singletonOrThrow().toFloatArray();
        }
    }

    /** Image to the arrays the block returns (embedding or feature maps), detached for the caller to close. */
    private static final class ImageFeatures extends ImageTranslator<NDList> {

        ImageFeatures(Preprocessing preprocessing) {
            super(preprocessing);
        }

        @Override
        public NDList processOutput(TranslatorContext ctx, NDList list) {
            NDList out = new NDList(list.size());
            for (NDArray a : list) {
                out.add(a.duplicate());
            }
            out.detach();
            return out;
        }
    }

    /** An image file to whatever the image translator gives. */
    private static final class ImageFileTranslator<O> implements Translator<Path, O> {

        private final ImageTranslator<O> images;

        ImageFileTranslator(ImageTranslator<O> images) {
            this.images = images;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Path file) throws IOException {
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

        @Override
        public O processOutput(TranslatorContext ctx, NDList list) throws Exception {
            return images.processOutput(ctx, list);
        }

        @Override
        public Batchifier getBatchifier() {
            return Batchifier.STACK;
        }
    }
}
