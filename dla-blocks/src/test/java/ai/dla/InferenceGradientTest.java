package ai.dla;

import static org.testng.Assert.assertTrue;

import ai.dla.network.DlaResNet;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Gradients through an inference-mode forward pass, which input-saliency methods take and which a
 * frozen stage behind a trained one passes on: there the blocks fold BatchNorms into convolutions
 * and write intermediate sums in place, and autograd must still see the function that is computed.
 * The input gradient must match a central finite difference of the loss along a random direction.
 */
public class InferenceGradientTest {

    private static final Shape INPUT = new Shape(2, 3, 32, 32);
    /**
     * Small enough that the step crosses none of the networks' ReLU kinks (at 1e-4 the crossed kinks
     * put the difference 0.4% and more away from the gradient), large enough for float64 rounding.
     */
    private static final double STEP = 1e-7;
    private static final double TOLERANCE = 1e-5;

    @DataProvider
    public Object[][] models() {
        return new Object[][] {
            {"resnet-20-cifar10"}, {"dla_l-20-cifar10"}, {"dla_b-20-cifar10"}, {"mrla_l-20-cifar10"}, {"lii-20-cifar10"}
        };
    }

    @Test(dataProvider = "models")
    public void inputGradientMatchesFiniteDifferences(String model) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            DlaResNet net = TestNets.builder(model).build();
            net.initialize(manager, DataType.FLOAT64, new Shape(1, 3, 32, 32)); // a finite difference exact to ~1e-8
            for (Pair<String, Parameter> p : net.getParameters()) {
                Parameter.Type type = p.getValue().getType();
                if (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR) {
                    NDArray stat = p.getValue().getArray(); // 0 and 1 to start with; now in ±0.2 and [0.5, 1.5]
                    float half = type == Parameter.Type.RUNNING_MEAN ? 0.2f : 0.5f;
                    stat.addi(manager.randomUniform(-half, half, stat.getShape(), DataType.FLOAT64));
                }
            }
            NDArray x = manager.randomNormal(0, 1, INPUT, DataType.FLOAT64);
            NDArray weights = manager.randomNormal(0, 1, new Shape(INPUT.get(0), 10), DataType.FLOAT64);
            NDArray direction = manager.randomNormal(0, 1, INPUT, DataType.FLOAT64);

            NDArray analytic;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                x.setRequiresGradient(true);
                NDArray loss = loss(net, x, weights, manager);
                collector.backward(loss);
                analytic = x.getGradient().mul(direction).sum();
            }
            NDArray input = x.stopGradient();
            double ahead = loss(net, input.add(direction.mul(STEP)), weights, manager).getDouble();
            double behind = loss(net, input.sub(direction.mul(STEP)), weights, manager).getDouble();
            double numeric = (ahead - behind) / (2 * STEP);
            double expected = analytic.getDouble();
            double error = Math.abs(numeric - expected) / Math.abs(expected);
            assertTrue(error < TOLERANCE,
                    model + ": gradient along the direction " + expected + ", finite difference " + numeric);
        }
    }

    private static NDArray loss(DlaResNet net, NDArray x, NDArray weights, NDManager manager) {
        NDArray logits = net.forward(new ParameterStore(manager, false), new NDList(x), false).head();
        return logits.mul(weights).sum();
    }
}
