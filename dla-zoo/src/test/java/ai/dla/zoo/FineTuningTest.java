package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.dla.network.DlaResNet;
import ai.dla.nn.ParameterPaths;

import ai.djl.Model;
import ai.djl.basicdataset.cv.classification.ImageFolder;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import org.testng.annotations.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/** Fine-tuning the shipped zoo model on new classes: new head, frozen backbone, then one stage unfrozen. */
public class FineTuningTest {

    private static final List<String> CLASSES = List.of("circle", "cross", "stripes");

    @Test
    public void newHeadLearnsWhileTheFrozenBackboneAndItsStatisticsStayPut() throws Exception {
        Path folder = generateImageFolder(12);
        ImageFolder data = ImageFolder.builder()
                .setRepositoryPath(folder)
                .optFlag(Image.Flag.GRAYSCALE)
                .optPipeline(new Preprocessing(DatasetProfile.FASHION_MNIST).pipeline(true))
                .setSampling(3 * 12, true)
                .build();
        data.prepare();
        assertEquals(data.getSynset(), CLASSES);

        Criteria<Image, Classifications> criteria = DlaModelZoo.criteria(
                ModelName.parse("dla_l-20-fashion_mnist"), Image.class, Classifications.class).build();
        try (ZooModel<Image, Classifications> zoo = criteria.loadModel()) {
            DlaResNet net = (DlaResNet) zoo.getBlock();
            net.replaceHead(CLASSES.size());
            net.initialize(zoo.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
            net.freezeBackbone(true);
            Map<String, float[]> before = snapshot(net);

            List<Float> losses = train(zoo, data, 16);
            assertTrue(losses.get(losses.size() - 1) < 0.6f * losses.get(0), "loss falls: " + losses);
            Map<String, float[]> after = snapshot(net);
            int moved = 0;
            for (Map.Entry<String, float[]> e : before.entrySet()) {
                boolean changed = !Arrays.equals(e.getValue(), after.get(e.getKey()));
                if (e.getKey().startsWith("head")) {
                    moved += changed ? 1 : 0;
                } else {
                    assertFalse(changed, e.getKey() + " is frozen but moved");
                }
            }
            assertEquals(moved, 2, "the head's weight and bias learn");
            assertTrue(before.keySet().stream().anyMatch(k -> k.endsWith("runningMean")), "statistics are checked");

            int last = net.getStages().size() - 1;
            net.freezeStage(last, false);
            train(zoo, data, 2);
            Map<String, float[]> unfrozen = snapshot(net);
            for (Map.Entry<String, float[]> e : after.entrySet()) {
                boolean changed = !Arrays.equals(e.getValue(), unfrozen.get(e.getKey()));
                if (e.getKey().startsWith("stages." + last + ".") || e.getKey().startsWith("head")) {
                    continue;
                }
                assertFalse(changed, e.getKey() + " moved though only stage " + last + " was unfrozen");
            }
            long movedInLast = after.keySet().stream()
                    .filter(k -> k.startsWith("stages." + last + "."))
                    .filter(k -> !Arrays.equals(after.get(k), unfrozen.get(k)))
                    .count();
            assertTrue(movedInLast > 0, "the unfrozen stage trains");
        }
    }

    private static List<Float> train(Model model, ImageFolder data, int steps) throws Exception {
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
        List<Float> losses = new ArrayList<>();
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(1, 1, 28, 28));
            while (losses.size() < steps) {
                for (Batch batch : trainer.iterateDataset(data)) {
                    try (batch; GradientCollector collector = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(batch.getData());
                        NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), out);
                        collector.backward(loss);
                        losses.add(loss.getFloat());
                    }
                    trainer.step();
                }
            }
        }
        return losses;
    }

    private static Map<String, float[]> snapshot(Block net) {
        Map<String, float[]> values = new HashMap<>();
        for (Map.Entry<String, Parameter> p : ParameterPaths.of(net).entrySet()) {
            if (p.getValue().isInitialized()) {
                values.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
        }
        return values;
    }

    /** Writes an ImageFolder of 28×28 grayscale PNGs: circles, crosses and stripes at random places. */
    private static Path generateImageFolder(int perClass) throws Exception {
        Path root = Files.createTempDirectory("dla-finetune");
        Random random = new Random(3);
        for (String name : CLASSES) {
            Path dir = Files.createDirectories(root.resolve(name));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                Graphics2D g = image.createGraphics();
                g.setColor(Color.WHITE);
                int x = 4 + random.nextInt(8);
                int y = 4 + random.nextInt(8);
                switch (name) {
                    case "circle" -> g.fillOval(x, y, 14, 14);
                    case "cross" -> {
                        g.fillRect(x + 6, y, 3, 16);
                        g.fillRect(x, y + 6, 16, 3);
                    }
                    default -> {
                        for (int row = random.nextInt(3); row < 28; row += 5) {
                            g.fillRect(0, row, 28, 2);
                        }
                    }
                }
                g.dispose();
                ImageIO.write(image, "png", dir.resolve(i + ".png").toFile());
            }
        }
        return root;
    }
}
