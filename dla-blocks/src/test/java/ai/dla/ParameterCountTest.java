package ai.dla;

import static org.testng.Assert.assertEquals;

import ai.dla.attention.LightLayerAttention;
import ai.dla.cell.CellType;
import ai.dla.cell.DsuForm;
import ai.dla.cell.DynamicSharingUnit;
import ai.dla.network.Complexity;
import ai.dla.network.DlaResNet;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Architecture spec, section 5: the trainable parameter counts of every network and building block,
 * exactly (BatchNorm running statistics excluded). Section 2's ECA kernel sizes are checked here
 * too, since the LA size depends on them.
 */
public class ParameterCountTest {

    private static final Shape CIFAR_INPUT = new Shape(1, 3, 32, 32);
    private static final Shape IMAGENET_INPUT = new Shape(1, 3, 64, 64);

    @DataProvider
    public Object[][] cifarTable() {
        return new Object[][] {
            {"resnet-20-cifar10", 220_378L},
            {"resnet-56-cifar10", 591_322L},
            {"resnet-110-cifar10", 1_147_738L},
            {"resnet-20-cifar100", 243_508L},
            {"resnet-56-cifar100", 614_452L},
            {"resnet-110-cifar100", 1_170_868L},
            {"mrla_l-20-cifar10", 231_182L},
            {"mrla_l-56-cifar10", 623_734L},
            {"mrla_l-110-cifar10", 1_212_562L},
            {"mrla_l-20-cifar100", 254_312L},
            {"mrla_l-56-cifar100", 646_864L},
            {"mrla_l-110-cifar100", 1_235_692L},
            {"dla_l-20-cifar10", 410_158L},
            {"dla_l-56-cifar10", 802_710L},
            {"dla_l-110-cifar10", 1_391_538L},
            {"dla_l-20-cifar100", 433_288L},
            {"dla_l-56-cifar100", 825_840L},
            {"dla_l-110-cifar100", 1_414_668L},
            {"dla_b-20-cifar10", 405_230L},
            {"dla_b-56-cifar10", 795_990L},
            {"dla_b-110-cifar10", 1_382_130L},
            {"dla_b-20-cifar100", 428_360L},
            {"dla_b-56-cifar100", 819_120L},
            {"dla_b-110-cifar100", 1_405_260L}
        };
    }

    @Test(dataProvider = "cifarTable")
    public void cifarNetworksHaveTheTableCounts(String model, long expected) {
        DlaResNet net = TestNets.builder(model).build();
        assertEquals(count(net, CIFAR_INPUT), expected, model);
    }

    @DataProvider
    public Object[][] imagenetTable() {
        return new Object[][] {
            {"resnet-50-imagenet", 25_557_032L},
            {"mrla_l-50-imagenet", 25_738_452L},
            {"dla_l-50-imagenet", 28_581_812L},
            {"resnet-101-imagenet", 44_549_160L},
            {"mrla_l-101-imagenet", 44_939_646L},
            {"dla_l-101-imagenet", 47_783_006L}
        };
    }

    @Test(dataProvider = "imagenetTable")
    public void imagenetNetworksHaveTheTableCounts(String model, long expected) {
        DlaResNet net = TestNets.builder(model).build();
        assertEquals(count(net, IMAGENET_INPUT), expected, model);
    }

    @DataProvider
    public Object[][] ablationTable() {
        return new Object[][] {
            {"dla_l-110-cifar100", CellType.DSU, 1_414_668L},
            {"dla_l-110-cifar100", CellType.RNN, 1_412_652L},
            {"dla_l-110-cifar100", CellType.LSTM, 1_931_436L},
            {"dla_l-110-cifar100", CellType.DIA, 1_458_572L},
            {"lii-56-cifar100", CellType.DSU, 789_396L},
            {"lii-110-cifar100", CellType.DSU, 1_345_812L},
            {"lii-56-cifar100", CellType.DIA, 833_300L},
            {"lii-110-cifar100", CellType.DIA, 1_389_716L}
        };
    }

    @Test(dataProvider = "ablationTable")
    public void ablationNetworksHaveTheTableCounts(String model, CellType cell, long expected) {
        DlaResNet net = TestNets.builder(model).optCell(cell).build();
        assertEquals(count(net, CIFAR_INPUT), expected, model + " with the " + cell + " cell");
    }

    @DataProvider
    public Object[][] dsuSizes() {
        return new Object[][] {
            {64, 4, 8_608L},
            {128, 4, 33_600L},
            {256, 4, 132_736L},
            {256, 16, 34_336L},
            {512, 16, 134_208L},
            {1024, 16, 530_560L},
            {2048, 16, 2_109_696L}
        };
    }

    @Test(dataProvider = "dsuSizes")
    public void eachStageDsuHasTheTableSize(int channels, int reduction, long expected) {
        DynamicSharingUnit dsu =
                DynamicSharingUnit.builder().setChannels(channels).optReduction(reduction).build();
        assertEquals(countCell(dsu, channels), expected, "DSU C=" + channels + " r=" + reduction);
        long m = channels / reduction;
        assertEquals(expected, 2 * (channels * m + m + 3L * channels * m + 3L * channels), "spec formula 2(Cm + m + 3Cm + 3C)");
    }

    @DataProvider
    public Object[][] paperFormSizes() {
        return new Object[][] {{64, 4}, {256, 16}, {512, 16}, {2048, 16}};
    }

    @Test(dataProvider = "paperFormSizes")
    public void paperFormDsuHasFiveCSquaredOverRPlusThreeC(int channels, int reduction) {
        DynamicSharingUnit dsu =
                DynamicSharingUnit.builder()
                        .setChannels(channels)
                        .optReduction(reduction)
                        .optForm(DsuForm.PAPER)
                        .build();
        long c = channels;
        assertEquals(countCell(dsu, channels), 5 * c * c / reduction + 3 * c, "paper DSU C=" + channels + " r=" + reduction);
    }

    @DataProvider
    public Object[][] ecaKernels() {
        return new Object[][] {{64, 3}, {128, 5}, {256, 5}, {512, 5}, {1024, 5}, {2048, 7}};
    }

    @Test(dataProvider = "ecaKernels")
    public void lightAttentionHasEcaKernelAndTwoKPlusTwelveCParameters(int channels, int kernel) {
        LightLayerAttention la = new LightLayerAttention(channels);
        assertEquals(la.getKernel(), kernel, "ECA kernel for C=" + channels);
        Shape map = new Shape(1, channels, 4, 4);
        try (NDManager manager = NDManager.newBaseManager()) {
            la.initialize(manager, DataType.FLOAT32, map, map);
            assertEquals(trainable(la), 2L * kernel + 12L * channels, "LA + λ + BN for C=" + channels);
        }
    }

    private static long count(DlaResNet net, Shape input) {
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, input);
            long counted = Complexity.parameters(net);
            assertEquals(counted, trainable(net), "countParameters agrees with the parameter list");
            return counted;
        }
    }

    private static long countCell(DynamicSharingUnit dsu, int channels) {
        Shape state = new Shape(1, channels);
        try (NDManager manager = NDManager.newBaseManager()) {
            dsu.initialize(manager, DataType.FLOAT32, state, state, state);
            return trainable(dsu);
        }
    }

    private static long trainable(Block block) {
        long total = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            if (type != Parameter.Type.RUNNING_MEAN && type != Parameter.Type.RUNNING_VAR) {
                total += p.getValue().getArray().size();
            }
        }
        return total;
    }
}
