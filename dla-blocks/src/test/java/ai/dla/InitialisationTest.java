package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import ai.dla.cell.CellType;
import ai.dla.network.DlaResNet;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.util.Map;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Architecture spec, section 3's initialisation, tensor by tensor, for every variant, the other
 * context cells and the ImageNet layout: every 2-D convolution (DW and LA's Wv included) normal with
 * standard deviation sqrt(2 / (k·k·out)); every Linear and 1-D convolution, weights and biases,
 * uniform in ±1/sqrt(fan_in); λ standard normal; BatchNorm γ = 1 (0 for the ImageNet units' BN3),
 * β = 0, running mean 0 and variance 1. A parameter without a rule here fails, so a new block's
 * parameters get one. The draws are seeded; a statistic may stray {@link #Z} of its standard errors
 * from the stated distribution's value, which a fan-in for a fan-out, or a Xavier for a Kaiming
 * draw, exceeds many times over.
 */
public class InitialisationTest {

    /** How many standard errors of its statistic a tensor's mean or spread may stray. */
    private static final double Z = 6;

    @DataProvider
    public Object[][] networks() {
        return new Object[][] {
            {"resnet-20-cifar10", CellType.DSU},
            {"mrla_l-20-cifar10", CellType.DSU},
            {"dla_l-20-cifar10", CellType.DSU},
            {"dla_b-20-cifar10", CellType.DSU},
            {"lii-20-cifar10", CellType.DSU},
            {"dla_l-20-cifar10", CellType.RNN},
            {"dla_l-20-cifar10", CellType.LSTM},
            {"dla_l-20-cifar10", CellType.DIA},
            {"dla_l-20-fashion_mnist", CellType.DSU},
            {"dla_l-50-imagenet", CellType.DSU}
        };
    }

    @Test(dataProvider = "networks")
    public void everyParameterIsDrawnFromTheSpecifiedDistribution(String name, CellType cell) {
        boolean imagenet = name.endsWith("imagenet");
        Shape input = imagenet ? new Shape(1, 3, 64, 64) : new Shape(1, name.endsWith("mnist") ? 1 : 3, 32, 32);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            DlaResNet net = TestNets.builder(name).optCell(cell).build();
            net.initialize(manager, DataType.FLOAT32, input);
            Map<String, Parameter> byPath = net.getParameters().toMap();
            for (Pair<String, Parameter> p : net.getParameters()) {
                check(name + " " + cell + " " + p.getKey(), p.getKey(), p.getValue(), byPath, imagenet);
            }
        }
    }

    private static void check(String what, String path, Parameter parameter, Map<String, Parameter> byPath,
            boolean imagenet) {
        float[] values = parameter.getArray().toFloatArray();
        long[] shape = parameter.getArray().getShape().getShape();
        switch (parameter.getType()) {
            case RUNNING_MEAN, BETA -> constant(what, values, 0);
            case RUNNING_VAR -> constant(what, values, 1);
            case GAMMA -> constant(what, values, imagenet && path.endsWith("bn3_gamma") ? 0 : 1);
            default -> {
                if (path.endsWith("_lambda")) {
                    normal(what, values, 1);
                } else if (shape.length == 4) {
                    normal(what, values, Math.sqrt(2.0 / (shape[0] * shape[2] * shape[3])));
                } else if (shape.length == 2 || shape.length == 3) {
                    uniform(what, values, 1 / Math.sqrt(fanIn(shape)));
                } else if (path.endsWith("_bias") && byPath.containsKey(siblingWeight(path))) {
                    long[] weight = byPath.get(siblingWeight(path)).getArray().getShape().getShape();
                    uniform(what, values, 1 / Math.sqrt(fanIn(weight)));
                } else {
                    fail(what + " " + new Shape(shape) + ": no rule for this parameter; add the specification's");
                }
            }
        }
    }

    /** The fan-in of a Linear (out, in) or 1-D convolution (out, in, k) weight. */
    private static long fanIn(long[] weightShape) {
        return weightShape.length == 3 ? weightShape[1] * weightShape[2] : weightShape[1];
    }

    private static String siblingWeight(String biasPath) {
        return biasPath.substring(0, biasPath.length() - "bias".length()) + "weight";
    }

    private static void constant(String what, float[] values, float expected) {
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], expected, 0f, what + "[" + i + "]");
        }
    }

    /** Mean 0 and the given standard deviation, each within Z standard errors. */
    private static void normal(String what, float[] values, double sd) {
        double n = values.length;
        double[] moments = moments(values);
        assertTrue(Math.abs(moments[0]) <= Z * sd / Math.sqrt(n),
                what + ": mean " + moments[0] + " for N(0, " + sd + ") over " + values.length);
        assertTrue(Math.abs(moments[1] / sd - 1) <= Z / Math.sqrt(2 * n),
                what + ": standard deviation " + moments[1] + ", specified " + sd + " over " + values.length);
    }

    /** Every value inside ±bound and, for tensors large enough to tell, the spread of U(±bound). */
    private static void uniform(String what, float[] values, double bound) {
        for (int i = 0; i < values.length; i++) {
            assertTrue(Math.abs(values[i]) <= bound * (1 + 1e-6), what + "[" + i + "] = " + values[i]
                    + " outside ±" + bound);
        }
        if (values.length >= 32) {
            double sd = bound / Math.sqrt(3);
            double spread = moments(values)[1];
            assertTrue(Math.abs(spread / sd - 1) <= Z * Math.sqrt(0.2 / values.length),
                    what + ": standard deviation " + spread + ", U(±" + bound + ") has " + sd);
        }
    }

    /** The sample mean and (population) standard deviation. */
    private static double[] moments(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        double mean = sum / values.length;
        double squares = 0;
        for (float v : values) {
            squares += (v - mean) * (v - mean);
        }
        return new double[] {mean, Math.sqrt(squares / values.length)};
    }
}
