package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.cell.ContextNorm;
import ai.dla.light.NativeKernel;
import ai.dla.light.SegmentedBackward;
import ai.dla.nn.FeatureMaps;
import ai.dla.stage.DlaLStage;
import ai.dla.stage.StageConfig;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

/**
 * A fused training step whose arrays, collector and segmented backward are closed in the worst
 * orders a training loop can produce: every misuse is a clear error before any native call, the
 * thread is left ready for the next step, and that step's gradients are those of a step that
 * never followed a failure.
 */
public class SegmentedBackwardTest {

    private static final Shape INPUT = new Shape(4, 64, 8, 8);

    private NDManager manager;
    private DlaLStage stage;
    private NDArray x;
    private NDArray weights;

    @BeforeClass
    public void kernelLoads() {
        FusedTrainingTest.requireTrainingKernel();
    }

    @BeforeMethod
    public void newStage() {
        manager = NDManager.newBaseManager();
        StageConfig config = FusedTrainingTest.config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f);
        stage = FusedTrainingTest.stage(manager, new DlaLStage(config), config, 4, 8);
        x = FeatureMaps.channelsLast(manager.randomNormal(INPUT));
        weights = manager.randomNormal(INPUT);
    }

    @AfterMethod(alwaysRun = true)
    public void closeStage() {
        manager.close();
    }

    @Test
    public void backwardAfterCloseIsRefusedInsteadOfStoppingAtTheCuts() {
        try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            SegmentedBackward segments = SegmentedBackward.open();
            NDArray loss = loss(scope);
            segments.close();
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> segments.backward(collector, loss));
            assertTrue(e.getMessage().contains("inside its try block"), e.getMessage());
        }
        assertStepIsClean();
    }

    @Test
    public void arraysClosedBeforeTheBackwardPassAreAClearError() {
        try (NDManager kept = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector();
                SegmentedBackward segments = SegmentedBackward.open()) {
            NDArray loss;
            try (NDManager scope = manager.newSubManager()) {
                loss = loss(scope);
                loss.attach(kept);
            }
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> segments.backward(collector, loss));
            assertTrue(e.getMessage().contains("close the step's NDManager"), e.getMessage());
        }
        assertStepIsClean();
    }

    @Test
    public void aClosedLossIsAClearError() {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                SegmentedBackward segments = SegmentedBackward.open()) {
            NDArray loss;
            try (NDManager scope = manager.newSubManager()) {
                loss = loss(scope);
            }
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> segments.backward(collector, loss));
            assertTrue(e.getMessage().contains("the loss"), e.getMessage());
        }
        assertStepIsClean();
    }

    @Test
    public void anAbandonedStepAndClosesInEveryOrderLeaveTheNextStepClean() {
        NDManager scope = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector();
        SegmentedBackward segments = SegmentedBackward.open();
        loss(scope);
        scope.close();
        collector.close();
        segments.close();
        segments.close();
        assertThrows(IllegalStateException.class, () -> {
            try (SegmentedBackward again = SegmentedBackward.open()) {
                SegmentedBackward.open();
            }
        });
        assertStepIsClean();
    }

    /** A loss of the stage's output on x, taking gradients, in a scope (a weighted sum: a plain one has none through the BatchNorm). */
    private NDArray loss(NDManager scope) {
        NDArray input = x.duplicate();
        input.attach(scope);
        input.setRequiresGradient(true);
        return stage.forward(new ParameterStore(scope, false), new NDList(input), true).head().mul(weights).sum();
    }

    /** A full fused step now gives the separate operations' input gradient, and runs the kernel. */
    private void assertStepIsClean() {
        float[] separate = inputGradient(false);
        long before = NativeKernel.trainingCalls();
        float[] fused = inputGradient(true);
        assertTrue(NativeKernel.trainingCalls() > before, "the fused path did not run after the failure");
        assertEquals(fused.length, separate.length);
        double largest = 0;
        double difference = 0;
        for (int i = 0; i < separate.length; i++) {
            largest = Math.max(largest, Math.abs(separate[i]));
            difference = Math.max(difference, Math.abs(fused[i] - separate[i]));
        }
        assertTrue(difference <= 1e-4 * largest, "input gradient off by " + difference / largest + " of its largest");
    }

    private float[] inputGradient(boolean fused) {
        try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector();
                SegmentedBackward segments = fused ? SegmentedBackward.open() : null) {
            NDArray input = x.duplicate();
            input.attach(scope);
            input.setRequiresGradient(true);
            NDArray loss = stage.forward(new ParameterStore(scope, false), new NDList(input), true).head().mul(weights)
                    .sum();
            if (fused) {
                segments.backward(collector, loss);
            } else {
                collector.backward(loss);
            }
            return input.getGradient().toFloatArray();
        }
    }
}
