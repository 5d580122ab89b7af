package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;
import ai.dla.light.FusedLightUnit;
import ai.dla.light.NativeKernel;
import ai.dla.nn.FeatureMaps;
import ai.dla.stage.ContextMode;
import ai.dla.stage.DlaLStage;
import ai.dla.stage.StageConfig;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import org.testng.SkipException;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fused inference kernel of DLA-L computes what the separate operations compute, the
 * reference: for every stage width and map size the zoo builds (CIFAR 64, 128, 256 channels at
 * 32², 16², 8²; ImageNet 256 to 2048 at 56² to 7²), batches of 1, 3 and 128, both context modes,
 * with random weights, BatchNorm statistics and λ, and two units so that a unit with a context in
 * hand is covered, within 1e-5 of the reference's largest magnitude.
 */
public class FusedLightUnitTest {

    private static final double TOLERANCE = 1e-5;

    @BeforeClass
    public void kernelLoads() {
        if (!NativeKernel.isActive()) {
            // Only where the build had no C compiler; CI builds it, and this fails there if it is missing.
            if (System.getenv("CI") != null) {
                throw new AssertionError("the fused kernel must load in CI: " + NativeKernel.describe());
            }
            throw new SkipException(NativeKernel.describe());
        }
    }

    @DataProvider
    public Object[][] stages() {
        int[][] shapes = { // channels, side, reduction
            {64, 32, 4}, {128, 16, 4}, {256, 8, 4}, {256, 56, 16}, {512, 28, 16}, {1024, 14, 16}, {2048, 7, 16}
        };
        List<Object[]> cases = new ArrayList<>();
        for (int[] s : shapes) {
            for (int batch : new int[] {1, 3, 128}) {
                cases.add(new Object[] {s[0], s[1], s[2], batch});
            }
        }
        return cases.toArray(new Object[0][]);
    }

    @Test(dataProvider = "stages")
    public void fusedEqualsSeparateOperations(int channels, int side, int reduction, int batch) {
        try (NDManager manager = NDManager.newBaseManager()) {
            DlaLStage stage = stage(manager, channels, side, reduction, ContextNorm.SIGMOID, batch);
            NDArray x = FeatureMaps.channelsLast(manager.randomNormal(new Shape(batch, channels, side, side)));
            for (ContextMode mode : ContextMode.values()) {
                stage.setContextMode(mode);
                String what = String.format(Locale.ROOT, "C %d at %d², batch %d, %s", channels, side, batch, mode.getId());
                assertFusedEqualsSeparate(stage, x, manager, what);
            }
        }
    }

    @Test
    public void everyContextNormMatches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (ContextNorm norm : ContextNorm.values()) {
                DlaLStage stage = stage(manager, 64, 9, 4, norm, 5);
                NDArray x = FeatureMaps.channelsLast(manager.randomNormal(new Shape(5, 64, 9, 7)));
                assertFusedEqualsSeparate(stage, x, manager, "norm " + norm + " on a 9×7 map");
            }
        }
    }

    @Test
    public void anNchwMapIsLeftToTheSeparateOperations() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(2, 64, 4, 4)); // NCHW: the kernel's stride check refuses it
            NDArray ones = manager.ones(new Shape(2 * (64 * 16 + 16 + 3 * 64 * 16 + 3 * 64)));
            NDArray unit = manager.ones(new Shape(2 * 3 + 20 * 64));
            NDList result = FusedLightUnit.apply(x, x, null, ones, unit, 16, 3, ContextNorm.SIGMOID, false);
            assertTrue(result == null, "a map that is not channels-last must not be computed by the kernel");
            NDList fused = FusedLightUnit.apply(FeatureMaps.channelsLast(x), FeatureMaps.channelsLast(x), null, ones, unit, 16, 3,
                    ContextNorm.SIGMOID, false);
            assertNotNull(fused, "the same map channels-last is computed by the kernel");
        }
    }

    private static void assertFusedEqualsSeparate(DlaLStage stage, NDArray x, NDManager manager, String what) {
        NDArray expected;
        String previous = System.getProperty(NativeKernel.PROPERTY);
        System.setProperty(NativeKernel.PROPERTY, "false");
        long before = NativeKernel.calls();
        try (NDManager scope = manager.newSubManager()) {
            expected = run(stage, x, scope);
            expected.attach(manager);
        } finally {
            restore(previous);
        }
        assertEquals(NativeKernel.calls(), before, what + ": the reference ran the kernel");
        try (NDManager scope = manager.newSubManager()) {
            NDArray actual = run(stage, x, scope);
            assertEquals(NativeKernel.calls(), before + 2, what + ": the kernel must compute both units");
            double error = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
            System.out.printf(Locale.ROOT, "fused %-40s rel.err %.2e%n", what, error);
            assertTrue(error <= TOLERANCE, what + ": relative error " + error);
        }
    }

    private static NDArray run(DlaLStage stage, NDArray x, NDManager scope) {
        return stage.forward(new ParameterStore(scope, false), new NDList(x), false).head();
    }

    private static void restore(String previous) {
        if (previous == null) {
            System.clearProperty(NativeKernel.PROPERTY);
        } else {
            System.setProperty(NativeKernel.PROPERTY, previous);
        }
    }

    /** A two-unit DLA-L stage of C channels, with every parameter and statistic random. */
    static DlaLStage stage(NDManager manager, int channels, int side, int reduction, ContextNorm norm, int batch) {
        Engine.getInstance().setRandomSeed(channels + side + batch);
        StageConfig config = new StageConfig(
                channels, channels / 4, 2, 1, reduction, CellType.DSU, DsuForm.PUBLISHED, norm, 0f, false);
        DlaLStage stage = new DlaLStage(config);
        stage.initialize(manager, DataType.FLOAT32, new Shape(batch, channels, side, side));
        TestNets.randomiseBatchNormStatistics(stage, channels);
        for (Pair<String, Parameter> p : stage.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            if (type == Parameter.Type.GAMMA || type == Parameter.Type.BETA || p.getKey().endsWith("lambda")) {
                NDArray value = p.getValue().getArray();
                value.addi(manager.randomNormal(value.getShape()).mul(0.5));
            }
        }
        return stage;
    }
}
