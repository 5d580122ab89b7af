package ai.dla.zoo;

import ai.dla.resnet.DlaResNet;
import ai.dla.resnet.ModelName;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.Batchifier;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The translators of DLA models: {@code Image} or image file {@code Path} to {@code
 * Classifications}, applying the {@link Preprocessing} of the dataset the model was trained on,
 * and {@code NDList} to {@code NDList} (normalised NCHW batches to logits).
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

    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(
            new Pair<>(Image.class, Classifications.class),
            new Pair<>(Path.class, Classifications.class),
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
        if (input == NDList.class) {
            if (!(model.getBlock() instanceof DlaResNet net)) {
                throw new TranslateException("The model's block is not a DlaResNet: load it through the dla zoo");
            }
            return (Translator<I, O>) new TensorTranslator(net);
        }
        String name = ArgumentsUtil.stringValue(arguments, DlaBlockFactory.MODEL);
        if (name == null) {
            throw new TranslateException("The model's arguments do not name the network (argument 'model')");
        }
        ModelName modelName = ModelName.parse(name);
        int classes = model.getBlock() instanceof DlaResNet net ? net.getClasses() : modelName.dataset().getClasses();
        ImageClassifier classifier;
        try {
            classifier = new ImageClassifier(new Preprocessing(modelName.dataset()), classNames(model, modelName, classes));
        } catch (IOException e) {
            throw new TranslateException("Cannot read the class names of " + name + ": " + e.getMessage(), e);
        }
        return (Translator<I, O>) (input == Image.class ? classifier : new ImageFileClassifier(classifier));
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
            throw new IllegalArgumentException("DLA models translate Image or Path to Classifications, or NDList to"
                    + " NDList; not " + input.getSimpleName() + " to " + output.getSimpleName());
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
        String resource = Catalog.RESOURCES + "synset/" + name.dataset().getId() + ".txt";
        List<String> names = new ArrayList<>();
        try (InputStream is = DlaTranslatorFactory.class.getResourceAsStream(resource)) {
            if (is != null) {
                new BufferedReader(new InputStreamReader(is, StandardCharsets.UTF_8)).lines().forEach(names::add);
            }
        }
        if (names.size() != classes) {
            names.clear();
            for (int i = 0; i < classes; i++) {
                names.add("class " + i);
            }
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
                throw new IllegalArgumentException(net.describe() + " got an empty NDList: give one NCHW batch");
            }
            NDArray x = input.head();
            DataType type = net.getDataType();
            net.checkInput(x.getShape(), type);
            ctx.setAttachment(CALLER, x.getManager());
            x.tempAttach(ctx.getNDManager());
            if (x.getDataType() != type) {
                if (!x.getDataType().isFloating() && !x.getDataType().isInteger()) {
                    throw new IllegalArgumentException(net.describe() + " takes numbers, not " + x.getDataType());
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

    /** Image to class probabilities. */
    private static final class ImageClassifier implements Translator<Image, Classifications> {

        private final Preprocessing preprocessing;
        private final List<String> classes;

        ImageClassifier(Preprocessing preprocessing, List<String> classes) {
            this.preprocessing = preprocessing;
            this.classes = classes;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Image image) {
            int size = preprocessing.dataset().getImageSize();
            boolean resize = image.getWidth() != size || image.getHeight() != size;
            NDList pixels = new NDList(image.toNDArray(ctx.getNDManager(), preprocessing.flag()));
            return preprocessing.pipeline(resize).transform(pixels);
        }

        @Override
        public Classifications processOutput(TranslatorContext ctx, NDList list) {
            return new Classifications(classes, list.singletonOrThrow().softmax(-1));
        }

        @Override
        public Batchifier getBatchifier() {
            return Batchifier.STACK;
        }
    }

    /** Image file to class probabilities. */
    private static final class ImageFileClassifier implements Translator<Path, Classifications> {

        private final ImageClassifier classifier;

        ImageFileClassifier(ImageClassifier classifier) {
            this.classifier = classifier;
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
            return classifier.processInput(ctx, image);
        }

        @Override
        public Classifications processOutput(TranslatorContext ctx, NDList list) {
            return classifier.processOutput(ctx, list);
        }

        @Override
        public Batchifier getBatchifier() {
            return Batchifier.STACK;
        }
    }
}
