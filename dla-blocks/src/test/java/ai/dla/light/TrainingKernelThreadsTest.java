package ai.dla.light;

import static ai.dla.light.NativeKernel.handle;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.dla.nn.Layers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.SkipException;
import org.testng.annotations.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The four training kernels of a fused unit give bit for bit the same results on one thread, two
 * and three: they cut the rows into chunks whatever the thread count, the threads take the chunks
 * as they come free, each into its own scratch, and the chunks' sums are added in chunk order. A
 * race between the threads (measured: two threads sharing the reduce kernel's scratch) or a sum
 * whose order follows the threads fails here. And the ReLU mask that {@code dla_train_gap} keeps for
 * the backward pass, as bits, is exactly {@code b + o > 0}.
 */
public class TrainingKernelThreadsTest {

    private static final int BATCH = 8;
    /** Channels and side: 8 · 64 · 32² floats, past the size the kernels run on one thread below. */
    private static final int CHANNELS = 64;
    private static final int SIDE = 32;
    private static final int TAPS = 9;

    @Test
    public void everyOutputIsTheSameOnOneTwoAndThreeThreads() {
        requireTrainingKernel();
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            Inputs in = new Inputs(manager);
            Map<String, float[]> one = run(in, manager, 1);
            for (int threads : new int[] {2, 3}) {
                Map<String, float[]> many = run(in, manager, threads);
                for (Map.Entry<String, float[]> e : one.entrySet()) {
                    assertTrue(Arrays.equals(bits(many.get(e.getKey())), bits(e.getValue())),
                            e.getKey() + " on " + threads + " threads differs from one thread's");
                }
            }
        }
    }

    @Test
    public void theMaskBitsAreWhereBPlusOIsPositive() {
        requireTrainingKernel();
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(8);
            Inputs in = new Inputs(manager);
            NDArray relu = gap(in, manager, 2).get("relu");
            boolean[] positive = in.b.add(in.o).gt(0).transpose(0, 2, 3, 1).flatten().toBooleanArray();
            float[] words = relu.toFloatArray();
            assertEquals(words.length * Integer.SIZE, positive.length);
            int set = 0;
            for (int i = 0; i < positive.length; i++) {
                boolean bit = (Float.floatToRawIntBits(words[i / Integer.SIZE]) >>> (i % Integer.SIZE) & 1) == 1;
                assertEquals(bit, positive[i], "mask bit " + i);
                set += bit ? 1 : 0;
            }
            assertTrue(set > positive.length / 4 && set < positive.length * 3 / 4, set + " bits set");
        }
    }

    /** A unit's maps and small inputs, random; b and o channels-last. */
    private static final class Inputs {
        final NDArray b;
        final NDArray o;
        final NDArray heads;
        final NDArray factor;
        final NDArray value;
        final NDArray shortcut;
        final NDArray mask;
        final NDArray gamma;
        final NDArray beta;
        final NDArray dy;
        final NDArray dSummary;
        final NDArray dShortcutSummary;

        Inputs(NDManager manager) {
            b = map(manager);
            o = map(manager);
            heads = manager.randomUniform(0, 1, new Shape(BATCH, CHANNELS / 32));
            factor = manager.randomNormal(new Shape(BATCH, CHANNELS));
            value = manager.randomNormal(new Shape(TAPS * CHANNELS));
            shortcut = manager.randomNormal(new Shape(TAPS * CHANNELS));
            mask = manager.create(new float[] {1.25f, 0, 1.25f, 1.25f, 1.25f, 0, 1.25f, 1.25f});
            gamma = manager.randomNormal(new Shape(CHANNELS));
            beta = manager.randomNormal(new Shape(CHANNELS));
            dy = map(manager);
            dSummary = manager.randomNormal(new Shape(BATCH, CHANNELS));
            dShortcutSummary = manager.randomNormal(new Shape(BATCH, CHANNELS));
        }
    }

    /** Every output of the four kernels, in the order they run in a training step. */
    private static Map<String, float[]> run(Inputs in, NDManager manager, int threads) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, NDArray> gap = gap(in, manager, threads);
        gap.forEach((name, a) -> out.put(name, a.toFloatArray()));
        NDArray runningMean = manager.zeros(new Shape(CHANNELS));
        NDArray runningVar = manager.ones(new Shape(CHANNELS));
        NDArray s = map(manager);
        NDArray y = map(manager);
        NDArray stats = manager.create(new Shape(2, CHANNELS), DataType.FLOAT32);
        check(NativeKernel.Calls.dla_train_forward(handle(in.b), handle(in.o), handle(in.heads), handle(in.factor),
                handle(in.value), handle(in.shortcut), handle(in.mask), handle(in.gamma), handle(in.beta),
                handle(runningMean), handle(runningVar), 1f - Layers.BN_MOMENTUM, Layers.BN_EPSILON, handle(s),
                handle(y), handle(stats), BATCH, CHANNELS, SIDE, SIDE, threads));
        out.put("s", s.toFloatArray());
        out.put("y", y.toFloatArray());
        out.put("stats", stats.toFloatArray());
        out.put("running mean", runningMean.toFloatArray());
        out.put("running variance", runningVar.toFloatArray());
        NDArray normGrads = manager.create(new Shape(2, CHANNELS), DataType.FLOAT32);
        NDArray dHeads = manager.create(in.heads.getShape(), DataType.FLOAT32);
        NDArray dFactor = manager.create(new Shape(BATCH, CHANNELS), DataType.FLOAT32);
        NDArray dValue = manager.create(in.value.getShape(), DataType.FLOAT32);
        NDArray dShortcut = manager.create(in.shortcut.getShape(), DataType.FLOAT32);
        check(NativeKernel.Calls.dla_train_reduce(handle(in.dy), handle(s), handle(in.b), handle(in.o),
                handle(in.heads), handle(in.value), handle(in.mask), handle(in.gamma), handle(stats),
                handle(normGrads), handle(dHeads), handle(dFactor), handle(dValue), handle(dShortcut),
                BATCH, CHANNELS, SIDE, SIDE, threads));
        out.put("ds", s.toFloatArray());
        out.put("BatchNorm gradients", normGrads.toFloatArray());
        out.put("heads' gradient", dHeads.toFloatArray());
        out.put("factor's gradient", dFactor.toFloatArray());
        out.put("value kernel's gradient", dValue.toFloatArray());
        out.put("shortcut kernel's gradient", dShortcut.toFloatArray());
        NDArray db = map(manager);
        NDArray dout = map(manager);
        check(NativeKernel.Calls.dla_train_maps(handle(in.dy), handle(s), handle(gap.get("relu")), handle(in.heads),
                handle(in.factor), handle(in.value), handle(in.shortcut), handle(in.dSummary),
                handle(in.dShortcutSummary), handle(db), handle(dout), BATCH, CHANNELS, SIDE, SIDE, threads));
        out.put("db", db.toFloatArray());
        out.put("do", dout.toFloatArray());
        return out;
    }

    private static Map<String, NDArray> gap(Inputs in, NDManager manager, int threads) {
        NDArray gu = manager.create(new Shape(BATCH, CHANNELS), DataType.FLOAT32);
        NDArray go = manager.create(new Shape(BATCH, CHANNELS), DataType.FLOAT32);
        NDArray relu = manager.create(new Shape((long) BATCH * CHANNELS * SIDE * SIDE / Integer.SIZE),
                DataType.FLOAT32);
        check(NativeKernel.Calls.dla_train_gap(handle(in.b), handle(in.o), handle(gu), handle(go), handle(relu),
                BATCH, CHANNELS, SIDE, SIDE, threads));
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("GAP(u)", gu);
        out.put("GAP(o)", go);
        out.put("relu", relu);
        return out;
    }

    /** The floats' bit patterns, so that NaNs and signed zeros compare exactly too. */
    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    /** A random [B, C, H, W] map laid out channels-last. */
    private static NDArray map(NDManager manager) {
        return manager.randomNormal(new Shape(BATCH, SIDE, SIDE, CHANNELS)).transpose(0, 3, 1, 2);
    }

    private static void check(int code) {
        assertEquals(code, 0, "the kernel refused its inputs");
    }

    private static void requireTrainingKernel() {
        if (!NativeKernel.isTrainingActive()) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("the fused kernel must load in CI: " + NativeKernel.describeTraining());
            }
            throw new SkipException(NativeKernel.describeTraining());
        }
    }
}
