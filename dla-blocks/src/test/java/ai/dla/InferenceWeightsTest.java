package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotSame;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.cell.DynamicSharingUnit;
import ai.dla.importer.CheckpointImporter;
import ai.dla.importer.CheckpointLayout;
import ai.dla.importer.StateDict;
import ai.dla.light.NativeKernel;
import ai.dla.network.DlaResNet;
import ai.dla.nn.ParameterPaths;
import ai.dla.stage.ContextMode;
import ai.dla.stage.DlaLStage;

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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Inference weights (BatchNorms folded into convolutions, λ and the attention's BatchNorm folded
 * into kernels, the fused kernel's packed weights) are computed once and reused, and never stale:
 * after a training step, {@code loadParameters}, an import, {@code replaceHead}, a fine-tune with
 * frozen stages and a change of context mode, the network predicts exactly what a fresh copy with
 * the same parameters (whose inference weights are computed anew) predicts. Every case runs the
 * network in inference first, so that stale weights would be in its caches.
 */
public class InferenceWeightsTest {

    private static final Shape INPUT = new Shape(3, 3, 32, 32);
    private static final double TOLERANCE = 1e-6;

    @DataProvider
    public Object[][] models() {
        return new Object[][] {{"dla_l-20-cifar10"}, {"resnet-20-cifar10"}, {"mrla_l-20-cifar10"}};
    }

    @Test
    public void derivedWeightsAreComputedOnceAndAfterTrainingAnew() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network("dla_l-20-cifar10", manager, 1);
            NDArray x = manager.randomNormal(INPUT);
            DynamicSharingUnit dsu = (DynamicSharingUnit) ((DlaLStage) net.getStages().get(0)).getCell();
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray first = dsu.packedWeights(ps, x.getDevice());
            infer(net, x, manager);
            assertSame(dsu.packedWeights(ps, x.getDevice()), first, "the packed weights are kept between passes");
            trainStep(net, x, manager);
            NDArray after = dsu.packedWeights(ps, x.getDevice());
            assertNotSame(after, first, "a training pass clears the packed weights");
            assertTrue(first.isReleased(), "the weights it replaced are freed");
        }
    }

    @Test(dataProvider = "models")
    public void aTrainingStepIsSeen(String model) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network(model, manager, 2);
            NDArray x = manager.randomNormal(INPUT);
            NDArray before = infer(net, x, manager);
            trainStep(net, x, manager);
            NDArray after = infer(net, x, manager);
            assertEqualsFresh(net, x, manager, after, model + " after a training step");
            assertTrue(relative(after, before) > 1e-4, "the step changed the predictions");
        }
    }

    @Test(dataProvider = "models")
    public void loadedParametersAreSeen(String model) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network(model, manager, 3);
            DlaResNet other = network(model, manager, 4);
            NDArray x = manager.randomNormal(INPUT);
            infer(net, x, manager);
            load(net, save(other), manager);
            assertClose(infer(net, x, manager), infer(other, x, manager), model + " after loadParameters");
        }
    }

    @Test
    public void importedWeightsAreSeen() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network("dla_l-20-cifar10", manager, 5);
            DlaResNet other = network("dla_l-20-cifar10", manager, 6);
            NDArray x = manager.randomNormal(INPUT);
            infer(net, x, manager);
            CheckpointLayout layout = CheckpointLayout.of(other);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : ParameterPaths.of(other).entrySet()) {
                arrays.put(layout.publishedKey(e.getKey()), e.getValue().getArray());
            }
            CheckpointImporter.load(net, StateDict.of(arrays), manager); // writes the values in place
            assertClose(infer(net, x, manager), infer(other, x, manager), "after CheckpointImporter.load");
        }
    }

    @Test
    public void aReplacedHeadAndAFineTuneAreSeen() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network("dla_l-20-cifar10", manager, 7);
            NDArray x = manager.randomNormal(INPUT);
            infer(net, x, manager);
            net.replaceHead(5);
            net.initialize(manager, DataType.FLOAT32, INPUT); // initialises the new head only
            NDArray replaced = infer(net, x, manager);
            assertEquals(replaced.getShape(), new Shape(3, 5));
            assertEqualsFresh(net, x, manager, replaced, "after replaceHead");
            net.freezeBackbone(true);
            net.freezeStage(net.getStages().size() - 1, false); // fine-tune the last stage and the head
            trainStep(net, x, manager);
            assertEqualsFresh(net, x, manager, infer(net, x, manager), "after a fine-tuning step");
        }
    }

    @Test
    public void aChangeOfContextModeIsSeen() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network("dla_l-20-cifar10", manager, 9);
            NDArray x = manager.randomNormal(INPUT);
            NDArray perSample = infer(net, x, manager);
            net.setContextMode(ContextMode.SAMPLE_ZERO);
            NDArray sampleZero = infer(net, x, manager);
            assertEqualsFresh(net, x, manager, sampleZero, "after switching to sample-zero");
            assertTrue(relative(sampleZero, perSample) > 1e-4, "the modes differ on a batch of three");
            net.setContextMode(ContextMode.PER_SAMPLE);
            assertClose(infer(net, x, manager), perSample, "back to per-sample");
        }
    }

    @Test
    public void valuesChangedInPlaceAreSeenAfterClearInferenceWeights() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = network("dla_l-20-cifar10", manager, 10);
            NDArray x = manager.randomNormal(INPUT);
            infer(net, x, manager);
            for (Pair<String, Parameter> p : net.getParameters()) {
                if (p.getValue().getType() == Parameter.Type.GAMMA) {
                    p.getValue().getArray().muli(1.5f);
                }
            }
            net.clearInferenceWeights();
            assertEqualsFresh(net, x, manager, infer(net, x, manager), "after an in-place change and clear");
        }
    }

    /**
     * Closing what the kernel reads in the worst order (the input before the pass, the network's
     * parameters and cached weights while a parameter store still holds them) gives DJL's exception
     * for a released array, never a read of freed memory or a crash; the tests run with
     * MALLOC_PERTURB_, so a read of freed memory would change results or crash the JVM.
     */
    @Test
    public void closedArraysAreRefusedNotRead() throws IOException {
        NDManager models = NDManager.newBaseManager();
        DlaResNet net = network("dla_l-20-cifar10", models, 11);
        try (NDManager batch = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(batch, false);
            NDArray x = batch.randomNormal(INPUT);
            assertEquals(net.forward(ps, new NDList(x), false).head().getShape(), new Shape(3, 10));
            try (NDManager early = NDManager.newBaseManager()) {
                NDArray closedInput = early.randomNormal(INPUT);
                early.close();
                expectThrows(IllegalStateException.class, () -> net.forward(ps, new NDList(closedInput), false));
            }
            models.close(); // the parameters and every cached inference weight
            expectThrows(IllegalStateException.class, () -> net.forward(ps, new NDList(x), false));
            expectThrows(IllegalStateException.class,
                    () -> net.forward(new ParameterStore(batch, false), new NDList(x), false));
        }
    }

    private static DlaResNet network(String model, NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        DlaResNet net = TestNets.builder(model).build();
        net.initialize(manager, DataType.FLOAT32, INPUT);
        TestNets.randomiseBatchNormStatistics(net, seed);
        return net;
    }

    private static NDArray infer(DlaResNet net, NDArray x, NDManager manager) {
        return TestNets.eval(net, x, manager);
    }

    /** One SGD step with a fixed rate, the parameters updated in place as DJL's optimizers do. */
    private static void trainStep(DlaResNet net, NDArray x, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = net.forward(new ParameterStore(step, false), new NDList(x), true).head();
                gc.backward(y.mul(y).mean());
            }
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray w = p.getValue().getArray();
                if (w.hasGradient()) {
                    NDArray g = w.getGradient();
                    g.attach(step);
                    w.subi(g.mul(0.5f));
                }
            }
        }
    }

    private static void assertEqualsFresh(DlaResNet net, NDArray x, NDManager manager, NDArray actual, String what)
            throws IOException {
        DlaResNet fresh = net.toBuilder().build();
        fresh.initialize(manager, DataType.FLOAT32, INPUT);
        load(fresh, save(net), manager);
        fresh.setContextMode(net.getConfig().contextMode());
        assertClose(actual, infer(fresh, x, manager), what);
    }

    private static byte[] save(DlaResNet net) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            net.saveParameters(out);
        }
        return bytes.toByteArray();
    }

    private static void load(DlaResNet net, byte[] saved, NDManager manager) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
            net.loadParameters(manager, in);
        } catch (ai.djl.MalformedModelException e) {
            throw new IOException(e);
        }
    }

    private static double relative(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat() / b.abs().max().getFloat();
    }

    private static void assertClose(NDArray actual, NDArray expected, String what) {
        double error = relative(actual, expected);
        String path = NativeKernel.isActive() ? "fused" : "separate";
        assertTrue(error <= TOLERANCE, what + " (" + path + "): relative error " + error);
    }
}
