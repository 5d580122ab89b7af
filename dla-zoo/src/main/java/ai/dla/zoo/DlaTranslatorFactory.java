package ai.dla.zoo;

import ai.dla.resnet.DlaResNet;
import ai.dla.resnet.ModelName;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDList;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.Batchifier;
import ai.djl.translate.NoopTranslator;
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
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException("DLA models translate Image or Path to Classifications, or NDList to"
                    + " NDList; not " + input.getSimpleName() + " to " + output.getSimpleName());
        }
        if (input == NDList.class) {
            return (Translator<I, O>) new NoopTranslator();
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
            return classifier.processInput(ctx, ImageFactory.getInstance().fromFile(file));
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
