package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import ai.dla.cell.ContextCell;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DiaCell;
import ai.dla.cell.DsuForm;
import ai.dla.cell.DynamicSharingUnit;
import ai.dla.cell.LstmCell;
import ai.dla.cell.RnnCell;
import ai.dla.nn.ParameterPaths;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

import org.testng.Assert;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Architecture spec, section 1: the Dynamic Sharing Unit and the ablation cells compute their update
 * formulas, checked against hand-set weights and a double-precision evaluation of the spec.
 */
public class CellTest {

    private static final int C = 4;
    private static final int R = 2;
    private static final int M = C / R;
    private static final int B = 3;
    private static final double TOLERANCE = 1e-6;

    private NDManager manager;
    private Random random;

    @BeforeMethod
    public void setUp() {
        manager = NDManager.newBaseManager();
        random = new Random(7);
    }

    @AfterMethod
    public void tearDown() {
        manager.close();
    }

    @Test
    public void dsuWithConstantGatesBlendsOldStateAndCandidate() {
        DynamicSharingUnit dsu = DynamicSharingUnit.builder().setChannels(C).optReduction(R).build();
        Map<String, Parameter> p = init(dsu);
        zeroAll(p);
        double i = 0.0;
        double f = Math.log(3.0);
        double g = atanh(0.5);
        float[] bias = new float[3 * C];
        Arrays.fill(bias, 0, C, (float) i);
        Arrays.fill(bias, C, 2 * C, (float) f);
        Arrays.fill(bias, 2 * C, 3 * C, (float) g);
        set(p.get("gates.ih.fc2.bias"), bias);

        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(B, C);
        double[][] c = randomMatrix(B, C);
        NDList out = step(dsu, y, h, c);

        double[][] cNext = new double[B][C];
        double[][] hNext = new double[B][C];
        for (int b = 0; b < B; b++) {
            for (int k = 0; k < C; k++) {
                cNext[b][k] = 0.75 * c[b][k] + 0.25;
                hNext[b][k] = sigmoid(cNext[b][k]);
            }
        }
        assertMatrix(out.get(1), cNext, "c' = σ(ln 3)·c + σ(0)·tanh(atanh 0.5) = 0.75c + 0.25");
        assertMatrix(out.get(0), hNext, "h' = σ(c')");
    }

    @Test
    public void dsuGatesAreMlpIhOfYPlusMlpHhOfHSplitIntoIFG() {
        DynamicSharingUnit dsu = DynamicSharingUnit.builder().setChannels(C).optReduction(R).build();
        Map<String, Parameter> p = init(dsu);
        double[][] w1ih = setRandom(p.get("gates.ih.fc1.weight"), M, C);
        double[] b1ih = setRandom(p.get("gates.ih.fc1.bias"), M);
        double[][] w2ih = setRandom(p.get("gates.ih.fc2.weight"), 3 * C, M);
        double[] b2ih = setRandom(p.get("gates.ih.fc2.bias"), 3 * C);
        double[][] w1hh = setRandom(p.get("gates.hh.fc1.weight"), M, C);
        double[] b1hh = setRandom(p.get("gates.hh.fc1.bias"), M);
        double[][] w2hh = setRandom(p.get("gates.hh.fc2.weight"), 3 * C, M);
        double[] b2hh = setRandom(p.get("gates.hh.fc2.bias"), 3 * C);

        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(B, C);
        double[][] c = randomMatrix(B, C);
        NDList out = step(dsu, y, h, c);

        double[][] cNext = new double[B][C];
        double[][] hNext = new double[B][C];
        for (int b = 0; b < B; b++) {
            double[] gates =
                    add(
                            affine(w2ih, b2ih, relu(affine(w1ih, b1ih, y[b]))),
                            affine(w2hh, b2hh, relu(affine(w1hh, b1hh, h[b]))));
            for (int k = 0; k < C; k++) {
                double i = gates[k];
                double f = gates[C + k];
                double g = gates[2 * C + k];
                cNext[b][k] = sigmoid(f) * c[b][k] + sigmoid(i) * Math.tanh(g);
                hNext[b][k] = sigmoid(cNext[b][k]);
            }
        }
        assertMatrix(out.get(1), cNext, "c' = σ(f)c + σ(i)tanh(g)");
        assertMatrix(out.get(0), hNext, "h' = σ(c')");
    }

    @Test
    public void paperFormDsuGatesAreW2OfReluW1OfHAndY() {
        DynamicSharingUnit dsu =
                DynamicSharingUnit.builder().setChannels(C).optReduction(R).optForm(DsuForm.PAPER).build();
        Map<String, Parameter> p = init(dsu);
        assertEquals(p.keySet(), Set.of("gates.w1.weight", "gates.w2.weight", "gates.w2.bias"), "W1 has no bias");
        double[][] w1 = setRandom(p.get("gates.w1.weight"), M, 2 * C);
        double[][] w2 = setRandom(p.get("gates.w2.weight"), 3 * C, M);
        double[] b2 = setRandom(p.get("gates.w2.bias"), 3 * C);

        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(B, C);
        double[][] c = randomMatrix(B, C);
        NDList out = step(dsu, y, h, c);

        double[][] cNext = new double[B][C];
        for (int b = 0; b < B; b++) {
            double[] hy = new double[2 * C];
            System.arraycopy(h[b], 0, hy, 0, C);
            System.arraycopy(y[b], 0, hy, C, C);
            double[] gates = affine(w2, b2, relu(affine(w1, new double[M], hy)));
            for (int k = 0; k < C; k++) {
                cNext[b][k] = sigmoid(gates[C + k]) * c[b][k] + sigmoid(gates[k]) * Math.tanh(gates[2 * C + k]);
            }
        }
        assertMatrix(out.get(1), cNext, "paper form c'");
    }

    @Test
    public void contextNormChoicesMapCellStateToOutput() {
        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(B, C);
        double[][] c = randomMatrix(B, C);
        for (ContextNorm norm : ContextNorm.values()) {
            DynamicSharingUnit dsu =
                    DynamicSharingUnit.builder().setChannels(C).optReduction(R).optNorm(norm).build();
            Map<String, Parameter> p = init(dsu);
            random = new Random(11);
            p.values().forEach(this::setRandom);
            NDList out = step(dsu, y, h, c);
            float[] cNext = out.get(1).toFloatArray();
            float[] hNext = out.get(0).toFloatArray();
            boolean negative = false;
            for (int k = 0; k < cNext.length; k++) {
                double expected;
                switch (norm) {
                    case IDENTITY:
                        expected = cNext[k];
                        break;
                    case TANH:
                        expected = Math.tanh(cNext[k]);
                        break;
                    case RELU:
                        expected = Math.max(cNext[k], 0);
                        break;
                    default:
                        expected = sigmoid(cNext[k]);
                }
                assertEquals(hNext[k], expected, TOLERANCE, norm + " h'[" + k + "]");
                negative |= cNext[k] < 0;
            }
            assertTrue(negative, "some c' < 0, so the choices differ");
        }
    }

    @Test
    public void diaCellOutputIsSigmoidOTimesSigmoidC() {
        DiaCell dia = DiaCell.create(C, R);
        Map<String, Parameter> p = init(dia);
        zeroAll(p);
        double[] bias = randomVector(4 * C);
        set(p.get("gates.hh.fc2.bias"), bias);

        double[][] c = randomMatrix(B, C);
        NDList out = step(dia, randomMatrix(B, C), randomMatrix(B, C), c);

        double[][] cNext = new double[B][C];
        double[][] hNext = new double[B][C];
        for (int b = 0; b < B; b++) {
            for (int k = 0; k < C; k++) {
                cNext[b][k] = sigmoid(bias[C + k]) * c[b][k] + sigmoid(bias[k]) * Math.tanh(bias[2 * C + k]);
                hNext[b][k] = sigmoid(bias[3 * C + k]) * sigmoid(cNext[b][k]);
            }
        }
        assertMatrix(out.get(1), cNext, "DIA c' = σf·c + σi·tanh g");
        assertMatrix(out.get(0), hNext, "DIA h' = σ(o)σ(c')");
    }

    @Test
    public void lstmCellOutputIsSigmoidOTimesTanhC() {
        LstmCell lstm = LstmCell.create(C);
        Map<String, Parameter> p = init(lstm);
        double[][] wih = setRandom(p.get("gates.ih.weight"), 4 * C, C);
        double[] bih = setRandom(p.get("gates.ih.bias"), 4 * C);
        double[][] whh = setRandom(p.get("gates.hh.weight"), 4 * C, C);
        double[] bhh = setRandom(p.get("gates.hh.bias"), 4 * C);

        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(B, C);
        double[][] c = randomMatrix(B, C);
        NDList out = step(lstm, y, h, c);

        double[][] cNext = new double[B][C];
        double[][] hNext = new double[B][C];
        for (int b = 0; b < B; b++) {
            double[] gates = add(affine(wih, bih, y[b]), affine(whh, bhh, h[b]));
            for (int k = 0; k < C; k++) {
                cNext[b][k] = sigmoid(gates[C + k]) * c[b][k] + sigmoid(gates[k]) * Math.tanh(gates[2 * C + k]);
                hNext[b][k] = sigmoid(gates[3 * C + k]) * Math.tanh(cNext[b][k]);
            }
        }
        assertMatrix(out.get(1), cNext, "LSTM c'");
        assertMatrix(out.get(0), hNext, "LSTM h' = σ(o)tanh(c')");
    }

    @Test
    public void rnnCellOutputIsTanhOfTheSumAndIgnoresC() {
        RnnCell rnn = RnnCell.create(C);
        Map<String, Parameter> p = init(rnn);
        double[][] wih = setRandom(p.get("gates.ih.weight"), C, C);
        double[] bih = setRandom(p.get("gates.ih.bias"), C);
        double[][] whh = setRandom(p.get("gates.hh.weight"), C, C);
        double[] bhh = setRandom(p.get("gates.hh.bias"), C);

        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(B, C);
        NDList out = step(rnn, y, h, randomMatrix(B, C));

        double[][] expected = new double[B][];
        for (int b = 0; b < B; b++) {
            expected[b] = add(affine(wih, bih, y[b]), affine(whh, bhh, h[b]));
            for (int k = 0; k < C; k++) {
                expected[b][k] = Math.tanh(expected[b][k]);
            }
        }
        assertMatrix(out.get(0), expected, "RNN h' = tanh(W_ih y + W_hh h + b)");
        assertMatrix(out.get(1), expected, "RNN c' = h'");
    }

    @Test
    public void oneSampleStateBroadcastsOverTheBatch() {
        DynamicSharingUnit dsu = DynamicSharingUnit.builder().setChannels(C).optReduction(R).build();
        Map<String, Parameter> p = init(dsu);
        p.values().forEach(this::setRandom);
        double[][] y = randomMatrix(B, C);
        double[][] h = randomMatrix(1, C);
        double[][] c = randomMatrix(1, C);

        NDList shared = step(dsu, y, h, c);
        NDList repeated = step(dsu, y, repeat(h[0], B), repeat(c[0], B));

        assertEquals(shared.get(0).getShape(), new Shape(B, C), "h' is [B, C]");
        assertEquals(shared.get(1).getShape(), new Shape(B, C), "c' is [B, C]");
        assertMatrix(shared.get(0), toDouble(repeated.get(0)), "[1, C] h and c act as B copies");
        assertMatrix(shared.get(1), toDouble(repeated.get(1)), "[1, C] h and c act as B copies");
    }

    @Test
    public void invalidChannelsOrReductionAreRejectedByValue() {
        IllegalArgumentException tooWide =
                rejection(() -> DynamicSharingUnit.builder().setChannels(8).optReduction(16).build());
        assertTrue(tooWide.getMessage().contains("r=16") && tooWide.getMessage().contains("8"), tooWide.getMessage());
        IllegalArgumentException noChannels = rejection(() -> DynamicSharingUnit.builder().setChannels(0).build());
        assertTrue(noChannels.getMessage().contains("got 0"), noChannels.getMessage());
        IllegalArgumentException negative = rejection(() -> DynamicSharingUnit.builder().setChannels(-4).build());
        assertTrue(negative.getMessage().contains("got -4"), negative.getMessage());
        IllegalArgumentException dia = rejection(() -> DiaCell.create(8, 16));
        assertTrue(dia.getMessage().contains("r=16"), dia.getMessage());
        IllegalArgumentException lstm = rejection(() -> LstmCell.create(0));
        assertTrue(lstm.getMessage().contains("got 0"), lstm.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RnnCell.create(-1));
    }

    private static IllegalArgumentException rejection(Assert.ThrowingRunnable build) {
        return Assert.expectThrows(IllegalArgumentException.class, build);
    }

    private Map<String, Parameter> init(ContextCell cell) {
        Shape state = new Shape(B, C);
        cell.initialize(manager, DataType.FLOAT32, state, state, state);
        return ParameterPaths.of(cell);
    }

    private NDList step(ContextCell cell, double[][] y, double[][] h, double[][] c) {
        NDList in = new NDList(array(y), array(h), array(c));
        return cell.forward(new ParameterStore(manager, false), in, false);
    }

    private NDArray array(double[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int b = 0; b < rows.length; b++) {
            for (int k = 0; k < rows[b].length; k++) {
                flat[b * rows[b].length + k] = (float) rows[b][k];
            }
        }
        return manager.create(flat, new Shape(rows.length, rows[0].length));
    }

    private static void set(Parameter parameter, double[] values) {
        float[] data = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            data[k] = (float) values[k];
        }
        set(parameter, data);
    }

    private static void set(Parameter parameter, float[] values) {
        NDArray target = parameter.getArray();
        assertEquals(target.size(), values.length, parameter.getName() + " size");
        boolean grad = target.hasGradient();
        target.setRequiresGradient(false);
        target.set(values);
        target.setRequiresGradient(grad);
    }

    private static void zeroAll(Map<String, Parameter> parameters) {
        parameters.values().forEach(p -> set(p, new float[Math.toIntExact(p.getArray().size())]));
    }

    private void setRandom(Parameter parameter) {
        set(parameter, randomVector(Math.toIntExact(parameter.getArray().size())));
    }

    private double[] setRandom(Parameter parameter, int length) {
        double[] values = randomVector(length);
        set(parameter, values);
        return values;
    }

    private double[][] setRandom(Parameter parameter, int rows, int cols) {
        double[][] values = randomMatrix(rows, cols);
        set(parameter, Arrays.stream(values).flatMapToDouble(Arrays::stream).toArray());
        return values;
    }

    /** Values exactly representable in float32, so the double reference sees the same inputs. */
    private double[] randomVector(int length) {
        double[] v = new double[length];
        for (int k = 0; k < length; k++) {
            v[k] = (float) (2 * random.nextDouble() - 1);
        }
        return v;
    }

    private double[][] randomMatrix(int rows, int cols) {
        double[][] m = new double[rows][];
        for (int r = 0; r < rows; r++) {
            m[r] = randomVector(cols);
        }
        return m;
    }

    private static double[][] repeat(double[] row, int times) {
        double[][] m = new double[times][];
        Arrays.setAll(m, r -> row.clone());
        return m;
    }

    private static double[][] toDouble(NDArray a) {
        float[] flat = a.toFloatArray();
        int cols = (int) a.getShape().get(1);
        double[][] m = new double[flat.length / cols][cols];
        for (int k = 0; k < flat.length; k++) {
            m[k / cols][k % cols] = flat[k];
        }
        return m;
    }

    private static double[] affine(double[][] w, double[] b, double[] x) {
        double[] out = new double[w.length];
        for (int o = 0; o < w.length; o++) {
            double s = b[o];
            for (int k = 0; k < x.length; k++) {
                s += w[o][k] * x[k];
            }
            out[o] = s;
        }
        return out;
    }

    private static double[] relu(double[] x) {
        return Arrays.stream(x).map(v -> Math.max(v, 0)).toArray();
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        Arrays.setAll(out, k -> a[k] + b[k]);
        return out;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }

    private static void assertMatrix(NDArray actual, double[][] expected, String what) {
        assertEquals(actual.getShape(), new Shape(expected.length, expected[0].length), what + " shape");
        float[] flat = actual.toFloatArray();
        int cols = expected[0].length;
        for (int k = 0; k < flat.length; k++) {
            assertEquals(flat[k], expected[k / cols][k % cols], TOLERANCE, what + " at [" + k / cols + ", " + k % cols + "]");
        }
    }
}
