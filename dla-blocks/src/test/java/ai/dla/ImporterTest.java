package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.cell.CellType;
import ai.dla.importer.CheckpointImporter;
import ai.dla.importer.CheckpointLayout;
import ai.dla.importer.StateDict;
import ai.dla.network.DlaResNet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture spec, section 7: checkpoints of the published code import under their own key
 * names, tolerate the {@code module.} prefix and {@code num_batches_tracked} counters, and are
 * refused as a whole, with every mismatch listed, when they do not fit.
 */
public class ImporterTest {

    private static final String FILE = "cifar10-dla_l-20.npz";
    private static final String MODEL = "dla_l-20-cifar10";

    private NDManager manager;

    @BeforeMethod
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterMethod
    public void tearDown() {
        manager.close();
    }

    @Test
    public void dataParallelPrefixAndBatchCountersAreIgnored() throws IOException {
        Golden g = Golden.read(FILE, manager);
        Map<String, NDArray> wrapped = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : g.weights().arrays().entrySet()) {
            wrapped.put("module." + e.getKey(), e.getValue());
            if (e.getKey().endsWith(".running_var")) {
                String counter = e.getKey().replace(".running_var", ".num_batches_tracked");
                wrapped.put("module." + counter, manager.create(new long[] {100}, new Shape()));
            }
        }
        assertTrue(wrapped.keySet().stream().anyMatch(k -> k.endsWith("num_batches_tracked")), "counters present");

        NDArray plain = TestNets.eval(imported(g.weights()), g.get("input"), manager);
        NDArray fromWrapped = TestNets.eval(imported(StateDict.of(wrapped)), g.get("input"), manager);
        assertEquals(fromWrapped.sub(plain).abs().max().getFloat(), 0f, "same logits with module. and num_batches_tracked");
        assertTrue(Golden.relativeError(plain, g.get("logits_eval_per_sample")) <= 1e-4, "the import is the golden network");
    }

    @Test
    public void everyMismatchIsListedInOneErrorAndNothingIsLoaded() throws IOException {
        Golden g = Golden.read(FILE, manager);
        Map<String, NDArray> broken = new LinkedHashMap<>(g.weights().arrays());
        broken.remove("stages.1.lstm.w_hh.0.seq.2.bias");
        broken.put("stages.1.lstm.w_xx.0.seq.0.weight", manager.zeros(new Shape(32, 128)));
        broken.put("stages.2.excite.weight", manager.zeros(new Shape(256, 1, 5, 5)));

        DlaResNet net = TestNets.builder(MODEL).build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        NDArray before = TestNets.eval(net, g.get("input"), manager);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> CheckpointImporter.load(net, StateDict.of(broken), manager));
        String message = e.getMessage();
        assertTrue(message.contains("1 missing keys:\n  stages.1.lstm.w_hh.0.seq.2.bias (384)"), message);
        assertTrue(message.contains("1 unexpected keys:\n  stages.1.lstm.w_xx.0.seq.0.weight"), message);
        assertTrue(
                message.contains("1 wrong shapes:\n  stages.2.excite.weight is (256, 1, 5, 5), expected (256, 1, 3, 3)"),
                message);
        assertTrue(message.contains("dla_l-20"), message);
        NDArray after = TestNets.eval(net, g.get("input"), manager);
        assertEquals(after.sub(before).abs().max().getFloat(), 0f, "a refused checkpoint changes no parameter");
    }

    @DataProvider
    public Object[][] unpublished() {
        return new Object[][] {
            {TestNets.builder("lii-20-cifar10").build(), new String[] {"lii-20", "importable", "dla_l cifar"}},
            {
                TestNets.builder("dla_l-20-cifar10").optCell(CellType.LSTM).build(),
                new String[] {"dla_l-20", "LSTM cell", "importable"}
            },
            {TestNets.builder("dla_b-50-imagenet").build(), new String[] {"dla_b-50", "layout=imagenet", "importable"}}
        };
    }

    @Test(dataProvider = "unpublished")
    public void networksWithoutAPublishedCheckpointAreNamed(DlaResNet net, String[] mentioned) throws IOException {
        Golden g = Golden.read(FILE, manager);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> CheckpointImporter.load(net, g.weights(), manager));
        for (String text : mentioned) {
            assertTrue(e.getMessage().contains(text), "names '" + text + "': " + e.getMessage());
        }
    }

    @Test
    public void aMissingWeightsFileIsNamed() {
        Path missing = Path.of("no-such-dir", "dla_l-20-cifar10.npz");
        IOException e = expectThrows(IOException.class, () -> StateDict.read(missing, manager));
        assertTrue(e.getMessage().contains(missing.toAbsolutePath().toString()), e.getMessage());
    }

    @DataProvider
    public Object[][] publishedKeys() {
        return new Object[][] {
            {CheckpointLayout.CIFAR_DLA_L, "stem.conv.weight", "conv1.weight"},
            {CheckpointLayout.CIFAR_DLA_L, "stem.bn.runningVar", "bn1.running_var"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.0.units.1.bn3.gamma", "stages.0.layers.1.bn3.weight"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.1.units.0.shortcut.conv.weight", "stages.1.layers.0.downsample.0.weight"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.1.units.0.shortcut.bn.runningMean", "stages.1.layers.0.downsample.1.running_mean"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.2.cell.gates.hh.fc2.bias", "stages.2.lstm.w_hh.0.seq.2.bias"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.0.cell.gates.ih.fc1.weight", "stages.0.lstm.w_ih.0.seq.0.weight"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.0.attention.1.lambda", "stages.0.attention.1.layer_attention.lambda_t"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.2.attention.0.wq", "stages.2.attention.0.layer_attention.layer_attention.Wq.weight"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.1.attention.1.bn.beta", "stages.1.attention.1.bn_layer_attention.bias"},
            {CheckpointLayout.CIFAR_DLA_L, "stages.1.dw.weight", "stages.1.excite.weight"},
            {CheckpointLayout.CIFAR_DLA_L, "head.weight", "fc.weight"},
            {CheckpointLayout.CIFAR_DLA_B, "stages.2.attention.1.wv", "stages.2.attention.1.layer_attention.layer_attention.Wv.weight"},
            {CheckpointLayout.IMAGENET_DLA_L, "stages.3.dw.weight", "layer4.extict.weight"},
            {CheckpointLayout.IMAGENET_DLA_L, "stages.0.units.2.conv2.weight", "layer1.layers.2.conv2.weight"},
            {CheckpointLayout.IMAGENET_DLA_L, "stages.2.attention.5.wk", "layer3.attention.5.layer_attention.mrla.Wk.weight"},
            {CheckpointLayout.IMAGENET_DLA_L, "stages.1.cell.gates.ih.fc2.weight", "layer2.lstm.w_ih.0.seq.2.weight"},
            {CheckpointLayout.CIFAR_MRLA_L, "stages.0.attention.1.wq", "layer1.1.mrla.mrla.Wq.weight"},
            {CheckpointLayout.CIFAR_MRLA_L, "stages.2.attention.0.lambda", "layer3.0.mrla.lambda_t"},
            {CheckpointLayout.CIFAR_MRLA_L, "stages.1.attention.1.bn.gamma", "layer2.1.bn_mrla.weight"},
            {CheckpointLayout.CIFAR_MRLA_L, "stages.1.units.0.shortcut.bn.gamma", "layer2.0.downsample.1.weight"},
            {CheckpointLayout.CIFAR_MRLA_L, "stem.bn.runningVar", "bn1.running_var"},
            {CheckpointLayout.IMAGENET_RESNET, "stages.3.units.2.conv3.weight", "layer4.2.conv3.weight"}
        };
    }

    @Test(dataProvider = "publishedKeys")
    public void pathsMapToPublishedKeys(CheckpointLayout layout, String path, String key) {
        assertEquals(layout.publishedKey(path), key, layout + " " + path);
    }

    private DlaResNet imported(StateDict weights) {
        DlaResNet net = TestNets.builder(MODEL).build();
        CheckpointImporter.load(net, weights, manager);
        return net;
    }
}
