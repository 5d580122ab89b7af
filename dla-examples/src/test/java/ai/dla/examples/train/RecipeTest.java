package ai.dla.examples.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.dla.zoo.DatasetProfile;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import org.testng.annotations.Test;

import java.util.List;

/** The published schedules, and SGD with PyTorch's momentum convention. */
public class RecipeTest {

    private static final int STEPS = 391;

    @Test
    public void cifarRecipeDropsTenfoldAtEpochs100And150() {
        Recipe cifar = Recipe.published(DatasetProfile.CIFAR10);
        assertEquals(cifar.epochs(), 180);
        assertEquals(cifar.batchSize(), 128);
        assertEquals(cifar.weightDecay(), 1e-4f);
        assertEquals(cifar.dropPath(), 0.2f);
        assertEquals(cifar.learningRateAt(0, STEPS), 0.1f, 1e-7);
        assertEquals(cifar.learningRateAt(100 * STEPS - 1, STEPS), 0.1f, 1e-7);
        assertEquals(cifar.learningRateAt(100 * STEPS, STEPS), 0.01f, 1e-7);
        assertEquals(cifar.learningRateAt(150 * STEPS, STEPS), 0.001f, 1e-7);
    }

    @Test
    public void imageNetRecipeWarmsUpThenDropsEvery30Epochs() {
        Recipe imageNet = Recipe.published(DatasetProfile.IMAGENET);
        assertEquals(imageNet.epochs(), 100);
        assertEquals(imageNet.batchSize(), 256);
        assertEquals(imageNet.learningRateAt(0, STEPS), 1e-4f, 1e-9);
        assertEquals(imageNet.learningRateAt(STEPS, STEPS), 0.1f / 3, 1e-7);
        assertEquals(imageNet.learningRateAt(2 * STEPS, STEPS), 0.2f / 3, 1e-7);
        assertEquals(imageNet.learningRateAt(3 * STEPS, STEPS), 0.1f, 1e-7);
        assertEquals(imageNet.learningRateAt(30 * STEPS, STEPS), 0.01f, 1e-7);
        assertEquals(imageNet.learningRateAt(99 * STEPS, STEPS), 1e-4f, 1e-9);
    }

    @Test
    public void cosineScheduleFallsFromTheBaseRateToZero() {
        Recipe cosine = Recipe.published(DatasetProfile.CIFAR10).toBuilder().setSchedule(Schedule.COSINE, List.of()).build();
        assertEquals(cosine.learningRateAt(0, STEPS), 0.1f, 1e-7);
        assertEquals(cosine.learningRateAt(90 * STEPS, STEPS), 0.05f, 1e-6);
        assertEquals(cosine.learningRateAt(180 * STEPS, STEPS), 0f, 1e-7);
    }

    @Test
    public void badSettingsAreRefusedWithTheirValue() {
        Recipe r = Recipe.published(DatasetProfile.FASHION_MNIST);
        assertEquals(expectThrows(IllegalArgumentException.class, () -> r.toBuilder().setEpochs(0).build()).getMessage(),
                "epochs must be positive, got 0");
        assertEquals(expectThrows(IllegalArgumentException.class, () -> r.toBuilder().setDropPath(1.5f).build()).getMessage(),
                "DropPath rate must be in [0, 1), got 1.5");
    }

    @Test
    public void sgdFollowsPyTorchAcrossALearningRateDrop() {
        float[] rates = {0.1f, 0.01f};
        ResumableSgd sgd = new ResumableSgd(step -> rates[Math.min(step, 1)], 0.9f, 0.5f);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(new float[] {1f, -2f});
            w.setRequiresGradient(true);
            float[] g = {0.3f, 0.4f};
            double[] expected = {1, -2};
            double[] v = {0, 0};
            for (int step = 0; step < 2; step++) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(w.mul(manager.create(g)).sum());
                }
                sgd.update("w", w, w.getGradient());
                sgd.endStep();
                for (int i = 0; i < 2; i++) {
                    v[i] = 0.9 * v[i] + g[i] + 0.5 * expected[i];
                    expected[i] -= rates[step] * v[i];
                }
            }
            float[] actual = w.toFloatArray();
            assertEquals(actual[0], expected[0], 1e-6);
            assertEquals(actual[1], expected[1], 1e-6);
            assertEquals(sgd.getStep(), 2);
        }
    }
}
