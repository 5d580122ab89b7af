package ai.dla;

import static org.testng.Assert.assertTrue;

import ai.dla.nn.FeatureMaps;
import ai.dla.nn.InferenceWeights;
import ai.dla.nn.Layers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import org.testng.annotations.Test;

/**
 * In inference every convolution followed by a BatchNorm runs as one convolution with the
 * BatchNorm folded in. That must equal the two layers run one after the other, with running
 * statistics, γ and β away from their initial values, for dense, strided and depthwise kernels and
 * in either memory layout.
 */
public class LayersTest {

    private static final Shape INPUT = new Shape(4, 16, 9, 7);

    @Test
    public void convBatchNormFoldsTheBatchNormInInference() {
        Conv2d[] convs = {Layers.conv(32, 1, 1), Layers.conv(24, 3, 2), Layers.conv(16, 3, 1, 16)};
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.randomNormal(INPUT);
            for (Conv2d conv : convs) {
                BatchNorm bn = Layers.batchNorm();
                InferenceWeights folded = new InferenceWeights();
                conv.initialize(manager, DataType.FLOAT32, INPUT);
                bn.initialize(manager, DataType.FLOAT32, conv.getOutputShapes(new Shape[] {INPUT})[0]);
                for (int i = 0; i < 3; i++) { // running statistics away from their initial 0 and 1
                    Layers.convBatchNorm(ps, conv, bn, folded, x.mul(i + 1).add(i), true, null);
                }
                for (Pair<String, Parameter> p : bn.getParameters()) {
                    if (p.getKey().equals("gamma") || p.getKey().equals("beta")) {
                        NDArray value = p.getValue().getArray();
                        value.addi(manager.randomNormal(value.getShape()));
                    }
                }
                NDList convolved = conv.forward(ps, new NDList(x), false);
                NDArray expected = bn.forward(ps, convolved, false).head();
                for (boolean channelsLast : new boolean[] {false, true}) {
                    NDArray input = channelsLast ? FeatureMaps.channelsLast(x) : x;
                    NDArray actual = Layers.convBatchNorm(ps, conv, bn, folded, input, false, null);
                    double error = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
                    assertTrue(error < 1e-5,
                            "kernel " + conv.getKernelShape() + ", stride " + conv.getStride() + ", groups "
                                    + conv.getGroups() + ", channels-last " + channelsLast
                                    + ": relative error " + error);
                }
            }
        }
    }
}
