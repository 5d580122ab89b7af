package ai.dla.zoo;

import ai.dla.network.Complexity;
import ai.dla.network.DlaResNet;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** {@code catalog.csv} holds the true parameter and MAC counts of every standard network. */
public class CatalogTest {

    @Test
    public void catalogMatchesTheNetworks() throws IOException {
        List<String> expected = new ArrayList<>();
        expected.add("model,parameters,macs");
        for (String s : ModelName.standardNames()) {
            ModelName name = ModelName.parse(s);
            DlaResNet net = name.builder().build();
            int size = name.dataset().getImageSize();
            try (NDManager manager = NDManager.newBaseManager()) {
                net.initialize(manager, DataType.FLOAT32, new Shape(1, name.dataset().getChannels(), size, size));
                expected.add(name + "," + Complexity.parameters(net) + "," + Complexity.macs(net, size, size));
            }
        }
        String actual;
        try (InputStream is = CatalogTest.class.getResourceAsStream("/ai/dla/zoo/catalog.csv")) {
            Assert.assertNotNull(is, "catalog.csv missing");
            actual = new String(is.readAllBytes(), StandardCharsets.UTF_8);
        }
        String want = String.join("\n", expected) + "\n";
        Assert.assertEquals(actual, want, "catalog.csv is stale; its content should be:\n" + want);
    }
}
