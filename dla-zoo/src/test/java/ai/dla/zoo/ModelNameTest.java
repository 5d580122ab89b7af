package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import org.testng.Assert.ThrowingRunnable;
import org.testng.annotations.Test;

/** Model names name the problem and list the valid variants and datasets; the dataset table is whole. */
public class ModelNameTest {

    private static final String VARIANTS = "resnet, mrla_l, dla_l, dla_b, lii";
    private static final String DATASETS = "cifar10, cifar100, imagenet, fashion_mnist";

    @Test
    public void modelNamesListTheValidVariantsAndDatasets() {
        assertRefused(() -> ModelName.parse("dla_x-20-cifar10"), "'dla_x'", VARIANTS, DATASETS);
        assertRefused(() -> ModelName.parse("dla_l-20-mnist"), "'mnist'", VARIANTS, DATASETS);
        assertRefused(() -> ModelName.parse("dla_l-abc-cifar10"), "'abc'", VARIANTS, DATASETS);
        assertRefused(() -> ModelName.parse("dla_l-20"), "'dla_l-20'", "<variant>-<depth>-<dataset>", VARIANTS, DATASETS);
    }

    @Test
    public void everyDatasetListsOneNamePerClass() {
        for (DatasetProfile d : DatasetProfile.values()) {
            assertEquals(d.getClassNames().size(), d.getClasses(), d.getId());
            assertEquals(d.getMean().length, d.getChannels(), d.getId());
            assertEquals(d.getStd().length, d.getChannels(), d.getId());
        }
        assertEquals(DatasetProfile.CIFAR100.getClassNames().get(0), "apple");
        assertEquals(DatasetProfile.CIFAR100.getClassNames().get(99), "worm");
    }

    private static void assertRefused(ThrowingRunnable call, String... mentioned) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call);
        for (String text : mentioned) {
            assertTrue(e.getMessage().contains(text), "message names '" + text + "': " + e.getMessage());
        }
    }
}
