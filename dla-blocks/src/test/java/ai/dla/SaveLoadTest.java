package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.network.DlaResNet;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Parameters round-trip through DJL's {@code Model.save} and {@code Model.load} into a freshly built
 * network of the same settings, and are refused by a network of other settings.
 */
public class SaveLoadTest {

    private static final Shape INPUT = new Shape(1, 3, 32, 32);

    private NDManager manager;
    private Path dir;

    @BeforeMethod
    public void setUp() throws IOException {
        manager = NDManager.newBaseManager();
        dir = Files.createTempDirectory("dla-save-load");
    }

    @AfterMethod
    public void tearDown() throws IOException {
        manager.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @DataProvider
    public Object[][] models() {
        return new Object[][] {
            {"dla_l-20-cifar10"}, {"dla_b-20-cifar10"}, {"mrla_l-20-cifar10"}, {"lii-20-cifar10"}, {"resnet-20-cifar10"}
        };
    }

    @Test(dataProvider = "models")
    public void savedParametersReloadIntoAFreshNetworkWithIdenticalOutputs(String model) throws Exception {
        NDArray images = manager.randomNormal(new Shape(2, 3, 32, 32));
        NDArray expected;
        try (Model saved = Model.newInstance(model)) {
            DlaResNet net = TestNets.builder(model).build();
            net.initialize(saved.getNDManager(), DataType.FLOAT32, INPUT);
            TestNets.randomiseBatchNormStatistics(net, 3);
            saved.setBlock(net);
            saved.save(dir, model);
            expected = TestNets.eval(net, images, manager);
        }
        try (Model loaded = Model.newInstance(model)) {
            DlaResNet fresh = TestNets.builder(model).build();
            loaded.setBlock(fresh);
            loaded.load(dir, model);
            NDArray actual = TestNets.eval(fresh, images, manager);
            assertEquals(actual.sub(expected).abs().max().getFloat(), 0f, model + " max |loaded - saved|");
        }
        NDArray unrelated = TestNets.eval(initialisedCopy(model), images, manager);
        assertTrue(Golden.relativeError(unrelated, expected) > 1e-3, model + ": other weights give other outputs");
    }

    @Test
    public void parametersOfAnotherClassCountAreRefused() throws IOException {
        save("dla_l-20-cifar10");
        MalformedModelException e = refusedBy("dla_l-20-cifar100", "dla_l-20-cifar10");
        assertTrue(e.getMessage().contains("classes=10 "), e.getMessage());
        assertTrue(e.getMessage().contains("classes=100 "), e.getMessage());
    }

    @Test
    public void parametersOfAnotherVariantAreRefused() throws IOException {
        save("dla_l-20-cifar10");
        MalformedModelException e = refusedBy("mrla_l-20-cifar10", "dla_l-20-cifar10");
        assertTrue(e.getMessage().contains("network dla_l-20 "), e.getMessage());
        assertTrue(e.getMessage().contains("block is mrla_l-20 "), e.getMessage());
    }

    private DlaResNet initialisedCopy(String model) {
        DlaResNet net = TestNets.builder(model).build();
        net.initialize(manager, DataType.FLOAT32, INPUT);
        return net;
    }

    private void save(String model) throws IOException {
        try (Model saved = Model.newInstance(model)) {
            DlaResNet net = TestNets.builder(model).build();
            net.initialize(saved.getNDManager(), DataType.FLOAT32, INPUT);
            saved.setBlock(net);
            saved.save(dir, model);
        }
    }

    private MalformedModelException refusedBy(String model, String savedPrefix) {
        try (Model loaded = Model.newInstance(model)) {
            loaded.setBlock(TestNets.builder(model).build());
            return expectThrows(MalformedModelException.class, () -> loaded.load(dir, savedPrefix));
        }
    }
}
