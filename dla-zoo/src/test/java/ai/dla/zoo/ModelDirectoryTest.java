package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.network.DlaResNet;
import ai.dla.stage.ContextMode;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;

import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A model directory written here loads through DJL's Criteria with no block in code. */
public class ModelDirectoryTest {

    @Test
    public void writtenDirectoryLoadsThroughCriteriaWithIdenticalOutputs() throws Exception {
        ModelName name = ModelName.parse("dla_l-20-fashion_mnist");
        Path dir = Files.createTempDirectory("dla-model");
        try (Model model = Model.newInstance(name.toString(), "PyTorch");
                NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = name.builder().build();
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
            model.setBlock(net);
            ModelDirectory.write(dir, model, name, Map.of());

            NDArray x = manager.randomNormal(new Shape(3, 1, 28, 28));
            NDArray expected = net.forward(new ParameterStore(manager, false), new NDList(x), false).head();
            try (ZooModel<NDList, NDList> loaded = ModelDirectory.loadTensors(dir, Map.of());
                    Predictor<NDList, NDList> predictor = loaded.newPredictor()) {
                assertTrue(loaded.getBlock() instanceof DlaResNet);
                assertEquals(((DlaResNet) loaded.getBlock()).getConfig().contextMode(), ContextMode.PER_SAMPLE);
                NDArray actual = predictor.predict(new NDList(x)).head();
                assertEquals(actual.toFloatArray(), expected.toFloatArray());
            }
            try (ZooModel<NDList, NDList> loaded =
                    ModelDirectory.loadTensors(dir, Map.of(DlaBlockFactory.CONTEXT_MODE, "sample-zero"))) {
                assertEquals(((DlaResNet) loaded.getBlock()).getConfig().contextMode(), ContextMode.SAMPLE_ZERO);
            }
        }
    }

    @Test
    public void writtenDirectoryClassifiesImagesWithTheDatasetsClassNames() throws Exception {
        ModelName name = ModelName.parse("resnet-20-fashion_mnist");
        Path dir = Files.createTempDirectory("dla-model");
        try (Model model = Model.newInstance(name.toString(), "PyTorch")) {
            DlaResNet net = name.builder().build();
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
            model.setBlock(net);
            ModelDirectory.write(dir, model, name, Map.of());
        }
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(dir)
                .optTranslatorFactory(new DlaTranslatorFactory())
                .build();
        BufferedImage picture = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            Classifications c = predictor.predict(ImageFactory.getInstance().fromImage(picture));
            assertEquals(c.getClassNames().size(), 10);
            assertTrue(c.getClassNames().contains("Ankle boot"), c.getClassNames().toString());
        }
    }

    @Test
    public void incompleteDirectoriesAreRefusedWithTheMissingPiece() throws IOException {
        Path empty = Files.createTempDirectory("dla-empty");
        IOException e = expectThrows(IOException.class, () -> ModelDirectory.check(empty.resolve("absent")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        e = expectThrows(IOException.class, () -> ModelDirectory.check(empty));
        assertTrue(e.getMessage().contains(ModelDirectory.PROPERTIES), e.getMessage());
        Files.writeString(empty.resolve(ModelDirectory.PROPERTIES), "model=dla_l-20-cifar10\n");
        e = expectThrows(IOException.class, () -> ModelDirectory.check(empty));
        assertTrue(e.getMessage().contains(".params"), e.getMessage());
    }
}
