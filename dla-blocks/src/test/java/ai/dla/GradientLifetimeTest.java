package ai.dla;

import static org.testng.Assert.assertEquals;
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

import java.util.ArrayList;
import java.util.List;

/**
 * Gradients do not depend on what the JVM collects between the forward and the backward pass.
 *
 * <p>DJL 0.25's {@code NDArray.mul(Number)} wraps the number in an array over a direct buffer and
 * closes it at once, while autograd keeps it for the backward pass: after a garbage collection the
 * backward pass read freed memory, and a training run's weights turned NaN at a random step. The
 * tests run with {@code MALLOC_PERTURB_} set (see the parent pom), so freed memory is overwritten and
 * such a read gives different gradients.
 */
public class GradientLifetimeTest {

    @DataProvider
    public Object[][] models() {
        return new Object[][] {{"dla_l-20-cifar10"}, {"dla_b-20-cifar10"}, {"mrla_l-20-cifar10"}};
    }

    @Test(dataProvider = "models")
    public void garbageCollectionBetweenForwardAndBackwardChangesNoGradient(String name) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            DlaResNet net = TestNets.builder(name).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 32, 32));
            NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
            List<float[]> undisturbed = gradients(net, x, false);
            List<float[]> collected = gradients(net, x, true);
            assertEquals(collected.size(), undisturbed.size());
            for (int i = 0; i < undisturbed.size(); i++) {
                float[] a = undisturbed.get(i);
                float[] b = collected.get(i);
                for (int k = 0; k < a.length; k++) {
                    assertTrue(Float.isFinite(b[k]) && Math.abs(a[k] - b[k]) <= 1e-5f * (1 + Math.abs(a[k])),
                            name + " gradient " + i + "[" + k + "]: " + a[k] + " without a collection, " + b[k] + " with");
                }
            }
        }
    }

    private static List<float[]> gradients(DlaResNet net, NDArray x, boolean collect) throws InterruptedException {
        try (NDManager step = x.getManager().newSubManager()) {
            NDArray input = x.duplicate();
            input.attach(step);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = net.forward(new ParameterStore(step, false), new NDList(input), true).head();
                if (collect) {
                    for (int i = 0; i < 5; i++) {
                        System.gc();
                        Thread.sleep(20);
                    }
                }
                collector.backward(y.mul(y).sum());
            }
            List<float[]> grads = new ArrayList<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray w = p.getValue().getArray();
                if (w.hasGradient()) {
                    try (NDArray g = w.getGradient()) {
                        grads.add(g.toFloatArray());
                        g.subi(g);
                    }
                }
            }
            return grads;
        }
    }
}
