package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import org.testng.annotations.Test;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The image inputs that DJL's translator factory adds to the zoo's models: an {@code Image}, an
 * image file {@code Path}, a {@code URL}, an {@code InputStream} and DJL Serving's {@code Input},
 * all giving the same classes for the same picture.
 */
public class ImageInputsTest {

    private static final ModelName MODEL = ModelName.parse("dla_l-20-fashion_mnist");
    private static final Path BOOT = Path.of("../samples/fashion_mnist-test0000-ankle_boot.png");

    @Test
    public void everyKindOfImageInputGivesTheSameProbabilities() throws Exception {
        double expected = probability(Image.class, ImageFactory.getInstance().fromFile(BOOT));
        assertTrue(expected > 0.9, "the shipped model knows the boot: " + expected);
        assertEquals(probability(Path.class, BOOT), expected, 1e-6);
        assertEquals(probability(URL.class, BOOT.toUri().toURL()), expected, 1e-6);
        try (InputStream is = Files.newInputStream(BOOT)) {
            assertEquals(probability(InputStream.class, is), expected, 1e-6);
        }
    }

    @Test
    public void djlServingsInputGetsTheClassificationsAsJson() throws Exception {
        try (ZooModel<Input, Output> model = DlaModelZoo.criteria(MODEL, Input.class, Output.class).build().loadModel();
                Predictor<Input, Output> predictor = model.newPredictor()) {
            Input input = new Input();
            input.add("data", Files.readAllBytes(BOOT));
            Output output = predictor.predict(input);
            assertEquals(output.getCode(), 200, output.getMessage());
            String json = output.getData().getAsString();
            assertTrue(json.startsWith("[") && json.replace(" ", "").contains("\"className\":\"Ankleboot\""), json);
        }
    }

    @Test
    public void aFileThatIsNotAnImageIsNamed() throws Exception {
        Path text = Files.createTempFile("not-an-image", ".png");
        Files.writeString(text, "hello", StandardCharsets.UTF_8);
        try (ZooModel<Path, Classifications> model =
                        DlaModelZoo.criteria(MODEL, Path.class, Classifications.class).build().loadModel();
                Predictor<Path, Classifications> predictor = model.newPredictor()) {
            TranslateException e = expectThrows(TranslateException.class, () -> predictor.predict(text));
            String message = e.getCause().getMessage();
            assertTrue(message.contains(text.toAbsolutePath().toString()) && message.contains("give a PNG, JPEG"), message);
        }
    }

    private static <I> double probability(Class<I> type, I image) throws Exception {
        try (ZooModel<I, Classifications> model = DlaModelZoo.criteria(MODEL, type, Classifications.class).build().loadModel();
                Predictor<I, Classifications> predictor = model.newPredictor()) {
            Classifications c = predictor.predict(image);
            assertEquals(c.best().getClassName(), "Ankle boot", type.getSimpleName());
            return c.best().getProbability();
        }
    }
}
