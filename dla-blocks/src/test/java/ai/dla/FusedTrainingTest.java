package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;
import ai.dla.light.NativeKernel;
import ai.dla.light.SegmentedBackward;
import ai.dla.nn.FeatureMaps;
import ai.dla.stage.ContextMode;
import ai.dla.stage.DlaLStage;
import ai.dla.stage.MrlaStage;
import ai.dla.stage.Stage;
import ai.dla.stage.StageConfig;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import org.testng.SkipException;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fused training kernels of DLA-L and MRLA-L give the training pass of the separate
 * operations, the reference: the output, the gradient of the input and of every parameter, and the
 * BatchNorm running statistics after the step. Each array is compared with the separate operations
 * run in float64 on a twin of the stage, the truth: the fused path must be within 1e-5 of the
 * array's largest magnitude, or no more than {@value #ROUNDING} times as far from the truth as the
 * float32 reference is on one thread or on two (random stages are often ill-conditioned, and the
 * float32 reference on two threads against itself on one is no bound: both sum in nearly the same
 * order), or no more than {@value #KINKS} times as far as the reference on an input nudged by one
 * part in a million: a ReLU whose input lies within rounding of zero makes the gradient jump, and
 * which side a float32 path lands on is chance. For every stage width and map size the zoo builds,
 * batches of 1, 3 and 128 (1 and 3 for the ImageNet maps: 256 channels at 56² and batch 128 need
 * more than 21 GB), both context modes, every context norm, DropPath off and on (the same mask on
 * both paths, compared with the reference within 1e-5), a stage that downsamples, and two units, so
 * that a unit with a context and a shortcut that is the previous unit's output is covered.
 */
public class FusedTrainingTest {

    private static final double TOLERANCE = 1e-5;
    /** The settings of {@value NativeKernel#PROPERTY} for the three paths. */
    private static final String FUSED = "true";
    private static final String MAPS = "maps";
    private static final String SEPARATE = "inference";
    /**
     * How much further from float64 than the separate operations the fused path may be. Both round
     * in float32, in different orders, and the sums of ill-conditioned random stages amplify that:
     * the separate operations on one thread and on two differ from float64 by factors of 10 and
     * more between each other in some arrays; the fused path was measured at up to 0.3 of this bound.
     */
    private static final double ROUNDING = 16;
    /**
     * The relative change of the input by which the reference is nudged to measure how far it moves
     * where a ReLU's input lies within rounding of zero: its gradient jumps there, so a path that
     * rounds differently can land on the other side of the kink (DLA-L at 2048 channels, 7², batch 3:
     * both the fused path and the nudged reference move bn3's β gradient by 4.5%, the float32
     * reference on one thread or two does not).
     */
    private static final double NUDGE = 1e-6;
    /** How much further than the nudged reference the fused path may be. */
    private static final double KINKS = 2;

    @BeforeClass
    public void kernelLoads() {
        requireTrainingKernel();
    }

    /** Skips a test class where the training kernels do not run (a build without gcc), but fails in CI. */
    static void requireTrainingKernel() {
        if (!NativeKernel.isTrainingActive()) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("the fused kernel must load in CI: " + NativeKernel.describeTraining());
            }
            throw new SkipException(NativeKernel.describeTraining());
        }
    }

    @DataProvider
    public Object[][] stages() {
        int[][] shapes = { // channels, side, reduction, largest batch (an ImageNet stage at 128 needs over 21 GB)
            {64, 32, 4, 128}, {128, 16, 4, 128}, {256, 8, 4, 128},
            {256, 56, 16, 3}, {512, 28, 16, 3}, {1024, 14, 16, 3}, {2048, 7, 16, 3}
        };
        List<Object[]> cases = new ArrayList<>();
        for (int[] s : shapes) {
            for (int batch : new int[] {1, 3, 128}) {
                if (batch <= s[3]) {
                    cases.add(new Object[] {s[0], s[1], s[2], batch});
                }
            }
        }
        return cases.toArray(new Object[0][]);
    }

    @Test(dataProvider = "stages")
    public void dlaLTrainsAsTheSeparateOperations(int channels, int side, int reduction, int batch) {
        try (NDManager manager = NDManager.newBaseManager()) {
            StageConfig config = config(channels, channels, 1, reduction, ContextNorm.SIGMOID, 0f);
            DlaLStage stage = stage(manager, new DlaLStage(config), config, batch, side);
            for (ContextMode mode : ContextMode.values()) {
                stage.setContextMode(mode);
                DlaLStage twin = new DlaLStage(config);
                twin.setContextMode(mode);
                assertFusedEqualsSeparate(stage, twin, manager, batch, channels, side,
                        String.format(Locale.ROOT, "DLA-L C %d at %d², batch %d, %s", channels, side, batch, mode.getId()));
            }
        }
    }

    @Test(dataProvider = "stages")
    public void mrlaLTrainsAsTheSeparateOperations(int channels, int side, int reduction, int batch) {
        try (NDManager manager = NDManager.newBaseManager()) {
            StageConfig config = config(channels, channels, 1, reduction, ContextNorm.SIGMOID, 0f);
            MrlaStage stage = stage(manager, new MrlaStage(config), config, batch, side);
            assertFusedEqualsSeparate(stage, new MrlaStage(config), manager, batch, channels, side,
                    String.format(Locale.ROOT, "MRLA-L C %d at %d², batch %d", channels, side, batch));
        }
    }

    @Test
    public void everyContextNormDropPathOneByOneMapsAndDownsamplingMatch() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (ContextNorm norm : ContextNorm.values()) {
                StageConfig config = config(64, 64, 1, 4, norm, 0f);
                DlaLStage stage = stage(manager, new DlaLStage(config), config, 5, 9);
                assertFusedEqualsSeparate(stage, new DlaLStage(config), manager, 5, 64, 9, "norm " + norm + " on a 9×9 map");
            }
            StageConfig dropping = config(64, 64, 1, 4, ContextNorm.SIGMOID, 0.5f);
            DlaLStage stage = stage(manager, new DlaLStage(dropping), dropping, 16, 8);
            assertFusedEqualsSeparate(stage, new DlaLStage(dropping), manager, 16, 64, 8, "DLA-L with DropPath 0.5");
            MrlaStage mrla = stage(manager, new MrlaStage(dropping), dropping, 16, 8);
            assertFusedEqualsSeparate(mrla, new MrlaStage(dropping), manager, 16, 64, 8, "MRLA-L with DropPath 0.5");
            StageConfig single = config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f);
            DlaLStage pixel = stage(manager, new DlaLStage(single), single, 3, 1);
            assertFusedEqualsSeparate(pixel, new DlaLStage(single), manager, 3, 64, 1, "DLA-L on 1×1 maps");
            MrlaStage mrlaPixel = stage(manager, new MrlaStage(single), single, 3, 1);
            assertFusedEqualsSeparate(mrlaPixel, new MrlaStage(single), manager, 3, 64, 1, "MRLA-L on 1×1 maps");
            StageConfig down = config(64, 128, 2, 4, ContextNorm.SIGMOID, 0f);
            DlaLStage downsampling = stage(manager, new DlaLStage(down), down, 4, 16);
            assertFusedEqualsSeparate(downsampling, new DlaLStage(down), manager, 4, 64, 16, "DLA-L from 64 channels at 16² to 128 at 8²");
        }
    }

    @Test
    public void theSmallTermsUnderAutogradTrainAsTheSeparateOperations() {
        try (NDManager manager = NDManager.newBaseManager()) {
            StageConfig config = config(64, 64, 1, 4, ContextNorm.SIGMOID, 0.5f);
            for (ContextMode mode : ContextMode.values()) {
                DlaLStage stage = stage(manager, new DlaLStage(config), config, 6, 9);
                stage.setContextMode(mode);
                DlaLStage twin = new DlaLStage(config);
                twin.setContextMode(mode);
                assertFusedEqualsSeparate(stage, twin, manager, 6, 64, 9, "DLA-L, small terms under autograd, " + mode.getId(),
                        MAPS, false);
            }
            MrlaStage mrla = stage(manager, new MrlaStage(config), config, 6, 9);
            assertFusedEqualsSeparate(mrla, new MrlaStage(config), manager, 6, 64, 9, "MRLA-L, small terms under autograd",
                    MAPS, false);
            StageConfig paper = new StageConfig(64, 16, 2, 1, 4, CellType.DSU, DsuForm.PAPER, ContextNorm.SIGMOID, 0f,
                    false);
            DlaLStage paperForm = stage(manager, new DlaLStage(paper), paper, 6, 9);
            assertFusedEqualsSeparate(paperForm, new DlaLStage(paper), manager, 6, 64, 9, "DLA-L, the paper's DSU form",
                    FUSED, false);
        }
    }

    @Test
    public void withoutASegmentedBackwardTrainingTakesTheSeparateOperations() {
        try (NDManager manager = NDManager.newBaseManager()) {
            StageConfig config = config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f);
            DlaLStage stage = stage(manager, new DlaLStage(config), config, 2, 8);
            long before = NativeKernel.calls();
            try (NDManager scope = manager.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray x = FeatureMaps.channelsLast(scope.randomNormal(new Shape(2, 64, 8, 8)));
                x.setRequiresGradient(true);
                collector.backward(stage.forward(new ParameterStore(scope, false), new NDList(x), true).head().sum());
                assertTrue(x.getGradient().abs().max().getFloat() > 0, "the input's gradient must arrive");
            }
            assertEquals(NativeKernel.calls(), before, "a loop that runs collector.backward itself must not be cut");
        }
    }

    @Test
    public void inferenceAfterAFusedTrainingStepUsesTheNewWeights() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Stage stage : new Stage[] {
                stage(manager, new DlaLStage(config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f)),
                        config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f), 4, 8),
                stage(manager, new MrlaStage(config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f)),
                        config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f), 4, 8)}) {
                NDArray x = FeatureMaps.channelsLast(manager.randomNormal(new Shape(4, 64, 8, 8)));
                float[] before = infer(stage, x, manager);
                long calls = NativeKernel.trainingCalls();
                step(stage, x, manager.randomNormal(new Shape(4, 64, 8, 8)), FUSED, manager);
                assertTrue(NativeKernel.trainingCalls() > calls, "the fused path did not run");
                for (Pair<String, Parameter> p : stage.getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        p.getValue().getArray().addi(0.01f); // in place, as the optimizer updates
                    }
                }
                Stage fresh = stage instanceof DlaLStage ? new DlaLStage(config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f))
                        : new MrlaStage(config(64, 64, 1, 4, ContextNorm.SIGMOID, 0f));
                fresh.initialize(manager, DataType.FLOAT32, x.getShape());
                for (int i = 0; i < stage.getParameters().size(); i++) {
                    fresh.getParameters().get(i).getValue().getArray()
                            .set(stage.getParameters().get(i).getValue().getArray().toFloatArray());
                }
                float[] expected = infer(fresh, x, manager);
                float[] actual = infer(stage, x, manager);
                assertTrue(relativeError(before, expected) > 1e-3, "the step and the update must change the output");
                assertTrue(relativeError(actual, expected) < 1e-5, stage.getClass().getSimpleName()
                        + ": inference after fused training used stale folded weights: " + relativeError(actual, expected));
            }
        }
    }

    private static float[] infer(Stage stage, NDArray x, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            return floats(stage.forward(new ParameterStore(scope, false), new NDList(x), false).head());
        }
    }

    /**
     * One training step on each path from the same weights, statistics and seed, and one of the
     * separate operations in float64 on a twin of the stage, the truth: the fused path must be as
     * close to the truth as the reference is (the same bound, or within 1e-5 of each array's
     * largest magnitude), array by array. DropPath draws its masks in float32 for either type, so
     * the twin drops the same samples.
     */
    private static void assertFusedEqualsSeparate(Stage stage, Stage twin, NDManager manager, int batch, int channels,
            int side, String what) {
        assertFusedEqualsSeparate(stage, twin, manager, batch, channels, side, what, FUSED, true);
    }

    /**
     * As above, with the fused path taken under {@code setting} of {@value NativeKernel#PROPERTY},
     * and the small terms computed in C or under autograd as {@code nativeTerms} says.
     */
    private static void assertFusedEqualsSeparate(Stage stage, Stage twin, NDManager manager, int batch, int channels,
            int side, String what, String setting, boolean nativeTerms) {
        NDArray x = FeatureMaps.channelsLast(manager.randomNormal(new Shape(batch, channels, side, side)));
        Shape out = stage.getOutputShapes(new Shape[] {x.getShape()})[0];
        NDArray weights = manager.randomNormal(out);
        Map<String, float[]> statistics = statistics(stage);
        long before = NativeKernel.calls();
        Map<String, float[]> expected = step(stage, x, weights, SEPARATE, manager);
        assertEquals(NativeKernel.calls(), before, what + ": the reference ran a kernel");
        restore(stage, statistics);
        long terms = NativeKernel.termsCalls();
        Map<String, float[]> actual = step(stage, x, weights, setting, manager);
        assertTrue(NativeKernel.calls() > before, what + ": the fused path did not run");
        assertEquals(NativeKernel.termsCalls() > terms, nativeTerms, what + ": the small terms ran in C");
        restore(stage, statistics);
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        Map<String, float[]> oneThread;
        try {
            oneThread = step(stage, x, weights, SEPARATE, manager);
        } finally {
            JniUtils.setNumThreads(threads);
            restore(stage, statistics);
        }
        Engine.getInstance().setRandomSeed(batch + side);
        Map<String, float[]> nudged =
                step(stage, x.mul(manager.randomNormal(x.getShape()).mul(NUDGE).add(1)), weights, SEPARATE, manager);
        restore(stage, statistics);
        copy(stage, twin, manager, x.getShape());
        Map<String, float[]> truth = step(twin, contiguous(x.toType(DataType.FLOAT64, false)),
                weights.toType(DataType.FLOAT64, false), SEPARATE, manager);
        double worst = 0;
        String worstName = "";
        for (Map.Entry<String, float[]> e : truth.entrySet()) {
            double fused = relativeError(actual.get(e.getKey()), e.getValue());
            double separate = Math.max(relativeError(expected.get(e.getKey()), e.getValue()),
                    relativeError(oneThread.get(e.getKey()), e.getValue()));
            double kinks = relativeError(nudged.get(e.getKey()), e.getValue());
            double excess = fused / Math.max(TOLERANCE, Math.max(ROUNDING * separate, KINKS * kinks));
            if (excess > worst) {
                worst = excess;
                worstName = e.getKey();
            }
        }
        System.out.printf(Locale.ROOT, "fused training %-50s worst error / bound %.2f (%s)%n", what, worst, worstName);
        assertTrue(worst <= 1, what + ": " + worstName + " is further from float64 than the separate operations");
    }

    /**
     * x copied into NCHW memory: float64 has no oneDNN convolutions, and libtorch's own run twice as
     * fast on NCHW memory as on channels-last.
     */
    private static NDArray contiguous(NDArray x) {
        return x.flatten().reshape(x.getShape());
    }

    /** Initialises the twin in float64 with the stage's values. */
    private static void copy(Stage stage, Stage twin, NDManager manager, Shape input) {
        twin.initialize(manager, DataType.FLOAT64, input);
        PairList<String, Parameter> from = stage.getParameters();
        PairList<String, Parameter> to = twin.getParameters();
        for (int i = 0; i < from.size(); i++) {
            float[] values = from.get(i).getValue().getArray().toFloatArray();
            double[] doubles = new double[values.length];
            for (int k = 0; k < values.length; k++) {
                doubles[k] = values[k];
            }
            to.get(i).getValue().getArray().set(java.nio.DoubleBuffer.wrap(doubles));
        }
    }

    /** The output, the gradients of the input and of every parameter, and the statistics after one step. */
    private static Map<String, float[]> step(Stage stage, NDArray x, NDArray weights, String setting, NDManager manager) {
        boolean fused = !SEPARATE.equals(setting);
        String previous = System.getProperty(NativeKernel.PROPERTY);
        System.setProperty(NativeKernel.PROPERTY, setting);
        Map<String, float[]> arrays = new LinkedHashMap<>();
        try (NDManager scope = manager.newSubManager()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray input = x.duplicate();
            input.attach(scope);
            input.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                    SegmentedBackward segments = fused ? SegmentedBackward.open() : null) {
                NDArray y = stage.forward(new ParameterStore(scope, false), new NDList(input), true).head();
                NDArray loss = y.mul(weights).sum();
                if (fused) {
                    segments.backward(collector, loss);
                } else {
                    collector.backward(loss);
                }
                arrays.put("output", floats(y));
            }
            arrays.put("input gradient", floats(input.getGradient()));
            for (Pair<String, Parameter> p : stage.getParameters()) {
                NDArray value = p.getValue().getArray();
                if (p.getValue().requiresGradient()) {
                    try (NDArray gradient = value.getGradient()) {
                        arrays.put(p.getKey() + " gradient", floats(gradient));
                        gradient.subi(gradient);
                    }
                } else {
                    arrays.put(p.getKey(), floats(value));
                }
            }
        } finally {
            if (previous == null) {
                System.clearProperty(NativeKernel.PROPERTY);
            } else {
                System.setProperty(NativeKernel.PROPERTY, previous);
            }
        }
        return arrays;
    }

    private static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static Map<String, float[]> statistics(Stage stage) {
        Map<String, float[]> statistics = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : stage.getParameters()) {
            if (!p.getValue().requiresGradient()) {
                statistics.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
        }
        return statistics;
    }

    private static void restore(Stage stage, Map<String, float[]> statistics) {
        for (Pair<String, Parameter> p : stage.getParameters()) {
            float[] values = statistics.get(p.getKey());
            if (values != null) {
                p.getValue().getArray().set(values);
            }
        }
    }

    private static double relativeError(float[] actual, float[] expected) {
        double largest = 0;
        double difference = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i]));
            difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
        }
        return largest == 0 ? difference : difference / largest;
    }

    static StageConfig config(int in, int channels, int stride, int reduction, ContextNorm norm, float dropPath) {
        return new StageConfig(in, channels / 4, 2, stride, reduction, CellType.DSU, DsuForm.PUBLISHED, norm, dropPath,
                false);
    }

    /** The stage initialised for [batch, in, side, side], every trainable parameter taking gradients, statistics random. */
    static <T extends Stage> T stage(NDManager manager, T stage, StageConfig config, int batch, int side) {
        Engine.getInstance().setRandomSeed(config.planes() + side + batch);
        stage.initialize(manager, DataType.FLOAT32, new Shape(batch, config.inChannels(), side, side));
        TestNets.randomiseBatchNormStatistics(stage, config.planes());
        for (Pair<String, Parameter> p : stage.getParameters()) {
            Parameter parameter = p.getValue();
            Parameter.Type type = parameter.getType();
            if (type == Parameter.Type.GAMMA || type == Parameter.Type.BETA || p.getKey().endsWith("lambda")) {
                NDArray value = parameter.getArray();
                value.addi(manager.randomNormal(value.getShape()).mul(0.5));
            }
            if (parameter.requiresGradient()) {
                parameter.getArray().setRequiresGradient(true);
            }
        }
        return stage;
    }
}
