package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.dla.network.Complexity;

import org.testng.annotations.Test;

/**
 * The multiply-accumulate counts of {@code DlaResNet.macs}: torchvision's published ResNet costs,
 * the paper's DLA-L overhead, and a hand count of the CIFAR ResNet-20 from the spec's layer list.
 */
public class MacsTest {

    private static final double PUBLISHED_TOLERANCE = 0.005;

    @Test
    public void imagenetResNetsCostWhatTorchvisionPublishes() {
        assertWithin(macs("resnet-50-imagenet", 224), 4.09e9, "ResNet-50 at 224x224");
        assertWithin(macs("resnet-101-imagenet", 224), 7.80e9, "ResNet-101 at 224x224");
    }

    @Test
    public void dlaL50CostsLittleMoreThanResNet50() {
        long resnet = macs("resnet-50-imagenet", 224);
        long dla = macs("dla_l-50-imagenet", 224);
        assertTrue(dla > resnet, "DLA-L-50 " + dla + " > ResNet-50 " + resnet);
        assertTrue(dla < 1.15 * resnet, "DLA-L-50 " + dla + " < 1.15 x ResNet-50 " + resnet + " (paper: 4.3 vs 4.1 G)");
    }

    @Test
    public void cifarResNet20MatchesAHandCountOfItsLayers() {
        long expected = 3 * 16 * 9 * 32 * 32;
        expected += stage(16, 16, 2, 32, 1);
        expected += stage(64, 32, 2, 32, 2);
        expected += stage(128, 64, 2, 16, 2);
        expected += 256 * 10;
        assertEquals(macs("resnet-20-cifar10", 32), expected, "stem + 6 bottlenecks + fc");
        assertEquals(expected, 33_737_216L, "the hand count itself");
    }

    /**
     * One stage of bottlenecks: conv1x1(in -> p) at the input resolution, conv3x3(p -> p, stride s),
     * conv1x1(p -> 4p) and, in the first unit, the projection conv1x1(in -> 4p, stride s).
     */
    private static long stage(long in, long p, int units, long side, int stride) {
        long out = side / stride;
        long total = in * p * side * side
                + p * p * 9 * out * out
                + p * 4 * p * out * out
                + in * 4 * p * out * out;
        for (int u = 1; u < units; u++) {
            total += 4 * p * p * out * out + p * p * 9 * out * out + p * 4 * p * out * out;
        }
        return total;
    }

    private static long macs(String model, int side) {
        return Complexity.macs(TestNets.builder(model).build(), side, side);
    }

    private static void assertWithin(long actual, double published, String what) {
        double error = Math.abs(actual - published) / published;
        assertTrue(error <= PUBLISHED_TOLERANCE, what + ": " + actual + " MACs vs published " + published + " (" + error + ")");
    }
}
