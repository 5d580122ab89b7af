package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import ai.dla.importer.CheckpointImporter;
import ai.dla.importer.CheckpointLayout;
import ai.dla.light.NativeKernel;
import ai.dla.light.SegmentedBackward;
import ai.dla.network.DlaResNet;
import ai.dla.network.Variant;
import ai.dla.nn.ParameterPaths;
import ai.dla.stage.ContextMode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * The proof that the blocks compute what the authors' code computes: every array of every golden
 * file, within the tolerances of the golden README (1e-4 of the largest reference magnitude for
 * logits and loss, 1e-3 for gradients).
 */
public class GoldenTest {

    private static final double OUTPUT_TOLERANCE = 1e-4;
    private static final double GRADIENT_TOLERANCE = 1e-3;

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    @DataProvider
    public Object[][] cifarFiles() {
        return new Object[][] {
            {"cifar10-dla_l-20.npz", "dla_l-20-cifar10"},
            {"cifar10-dla_b-20.npz", "dla_b-20-cifar10"},
            {"cifar10-mrla_l-20.npz", "mrla_l-20-cifar10"}
        };
    }

    @DataProvider
    public Object[][] allFiles() {
        return new Object[][] {
            {"cifar10-dla_l-20.npz", "dla_l-20-cifar10"},
            {"cifar10-dla_b-20.npz", "dla_b-20-cifar10"},
            {"cifar10-mrla_l-20.npz", "mrla_l-20-cifar10"},
            {"imagenet-dla_l-50.npz", "dla_l-50-imagenet"}
        };
    }

    /** Every golden file, through the fused kernel where it runs and through the separate operations. */
    @DataProvider
    public Object[][] allFilesBothPaths() {
        return bothPaths(allFiles());
    }

    @Test(dataProvider = "allFilesBothPaths")
    public void evalLogitsMatchInEveryContextMode(String file, String model, boolean fused) throws IOException {
        String previous = System.getProperty(NativeKernel.PROPERTY);
        System.setProperty(NativeKernel.PROPERTY, Boolean.toString(fused));
        String path = fused ? " (fused)" : " (separate)";
        try (NDManager m = manager.newSubManager()) {
            Golden g = Golden.read(file, m);
            DlaResNet net = load(model, g, m);
            NDArray input = g.get("input");
            long calls = NativeKernel.calls();
            net.setContextMode(ContextMode.SAMPLE_ZERO);
            assertClose(file, "logits_eval" + path, eval(net, input, m), g.get("logits_eval"), OUTPUT_TOLERANCE);
            if (g.has("logits_eval_per_sample")) {
                net.setContextMode(ContextMode.PER_SAMPLE);
                NDArray perSample = eval(net, input, m);
                assertClose(file, "logits_eval_per_sample" + path, perSample, g.get("logits_eval_per_sample"),
                        OUTPUT_TOLERANCE);
                assertTrue(
                        Golden.relativeError(perSample, g.get("logits_eval")) > OUTPUT_TOLERANCE,
                        "the two context modes must be told apart at the golden tolerance");
            }
            boolean kernel = fused && net.getConfig().variant() == Variant.DLA_L && NativeKernel.isActive();
            assertEquals(NativeKernel.calls() > calls, kernel, file + path + ": which path ran");
        } finally {
            if (previous == null) {
                System.clearProperty(NativeKernel.PROPERTY);
            } else {
                System.setProperty(NativeKernel.PROPERTY, previous);
            }
        }
    }

    /** Every CIFAR golden file's training pass, through the fused training kernels and the separate operations. */
    @DataProvider
    public Object[][] cifarFilesBothPaths() {
        return bothPaths(cifarFiles());
    }

    /** Each (file, model) case twice: through the fused kernels (true) and the separate operations. */
    private static Object[][] bothPaths(Object[][] files) {
        Object[][] cases = new Object[files.length * 2][];
        for (int i = 0; i < files.length; i++) {
            cases[2 * i] = new Object[] {files[i][0], files[i][1], true};
            cases[2 * i + 1] = new Object[] {files[i][0], files[i][1], false};
        }
        return cases;
    }

    @Test(dataProvider = "cifarFilesBothPaths")
    public void trainLogitsLossAndGradientsMatch(String file, String model, boolean fused) throws IOException {
        String path = fused ? " (fused)" : " (separate)";
        try (NDManager m = manager.newSubManager()) {
            Golden g = Golden.read(file, m);
            DlaResNet net = load(model, g, m);
            net.setContextMode(ContextMode.SAMPLE_ZERO);
            NDArray labels = g.get("labels");
            ParameterStore ps = new ParameterStore(m, false);
            NDArray logits;
            NDArray loss;
            long calls = NativeKernel.calls();
            long terms = NativeKernel.termsCalls();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                    SegmentedBackward segments = fused ? SegmentedBackward.open() : null) {
                logits = net.forward(ps, new NDList(g.get("input")), true).head();
                loss = logits.logSoftmax(1)
                        .mul(labels.oneHot(net.getConfig().classes()))
                        .sum(new int[] {1})
                        .neg()
                        .mean();
                if (fused) {
                    segments.backward(gc, loss);
                } else {
                    gc.backward(loss);
                }
            }
            Variant variant = net.getConfig().variant();
            boolean kernel = fused && (variant == Variant.DLA_L || variant == Variant.MRLA_L) && NativeKernel.isTrainingActive();
            assertEquals(NativeKernel.calls() > calls, kernel, file + path + ": which path ran");
            assertEquals(NativeKernel.termsCalls() > terms, kernel, file + path + ": whether the small terms ran in C");
            assertClose(file, "logits_train" + path, logits, g.get("logits_train"), OUTPUT_TOLERANCE);
            assertClose(file, "loss_train" + path, loss.reshape(1), g.get("loss_train").reshape(1), OUTPUT_TOLERANCE);

            CheckpointLayout layout = CheckpointLayout.of(net);
            Map<String, Parameter> params = ParameterPaths.of(net);
            Map<String, NDArray> grads = g.under("grad/");
            assertTrue(grads.size() >= 2, "golden file holds gradients");
            int checked = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray ref = grads.get(layout.publishedKey(e.getKey()));
                if (ref != null) {
                    NDArray grad = e.getValue().getArray().getGradient();
                    assertClose(file, "grad/" + layout.publishedKey(e.getKey()) + path, grad, ref, GRADIENT_TOLERANCE);
                    checked++;
                }
            }
            assertEquals(checked, grads.size(), "every stored gradient maps to a parameter");
        }
    }

    private static DlaResNet load(String model, Golden g, NDManager m) {
        DlaResNet net = TestNets.builder(model).build();
        CheckpointImporter.load(net, g.weights(), m);
        return net;
    }

    private static NDArray eval(DlaResNet net, NDArray input, NDManager m) {
        return net.forward(new ParameterStore(m, false), new NDList(input), false).head();
    }

    private static void assertClose(String file, String what, NDArray ours, NDArray ref, double tolerance) {
        assertNotNull(ours, what);
        assertEquals(ours.getShape(), ref.getShape(), what + " shape");
        double err = Golden.relativeError(ours, ref);
        System.out.printf(Locale.ROOT, "golden %-24s %-70s rel.err %.2e (tol %.0e)%n", file, what, err, tolerance);
        assertTrue(err <= tolerance, String.format(Locale.ROOT, "%s %s: relative error %.3e > %.0e", file, what, err, tolerance));
    }
}
