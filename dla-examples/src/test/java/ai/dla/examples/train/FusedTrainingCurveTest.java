package ai.dla.examples.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.dla.examples.data.BinaryImageDataset;
import ai.dla.light.NativeKernel;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelName;

import ai.djl.pytorch.jni.JniUtils;

import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/**
 * 300 steps of DLA-L-20 on the real Fashion-MNIST through the fused training kernels follow the
 * separate operations' loss curve within the separate operations' own run-to-run noise: the same
 * run on one thread instead of two, which rounds in another order and drifts from the same seed.
 * The curve is each epoch's mean training loss, 20 epochs of 15 batches of 16 (the same 240
 * images each epoch, shuffled anew), with DropPath on, at a learning rate low enough that the
 * first steps do not already scatter the runs.
 */
public class FusedTrainingCurveTest {

    private static final int EPOCHS = 20;
    private static final int BATCHES = 15;
    /** How much further than the noise the fused curve may stray: both drift chaotically from rounding. */
    private static final double NOISE_FACTOR = 3;
    /** The loss differences below which two curves are the same whatever the noise. */
    private static final double FLOOR = 1e-3;

    @Test
    public void fusedTrainingFollowsTheSeparateLossCurveWithinItsOwnNoise() throws Exception {
        if (!Files.isDirectory(BinaryImageDataset.DEBIAN_FASHION_MNIST)) {
            throw new SkipException(BinaryImageDataset.DEBIAN_FASHION_MNIST
                    + " is absent: install Debian's dataset-fashion-mnist package (.ci/run does)");
        }
        if (!NativeKernel.isTrainingActive()) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("the fused kernel must load in CI: " + NativeKernel.describeTraining());
            }
            throw new SkipException(NativeKernel.describeTraining());
        }
        double[] separate = curve(false, 2);
        double[] separateOneThread = curve(false, 1);
        double[] fused = curve(true, 2);
        double noise = 0;
        double deviation = 0;
        for (int e = 0; e < EPOCHS; e++) {
            noise = Math.max(noise, Math.abs(separateOneThread[e] - separate[e]));
            deviation = Math.max(deviation, Math.abs(fused[e] - separate[e]));
        }
        System.out.printf(Locale.ROOT, "loss curves over %d steps: separate %s, separate on one thread %s, fused %s;"
                + " noise %.5f, fused deviation %.5f%n", EPOCHS * BATCHES, format(separate),
                format(separateOneThread), format(fused), noise, deviation);
        assertTrue(separate[EPOCHS - 1] < 0.7 * separate[0], "the runs must learn: " + format(separate));
        assertTrue(deviation <= Math.max(FLOOR, NOISE_FACTOR * noise), String.format(Locale.ROOT,
                "the fused curve strays %.5f from the separate one, whose own noise is %.5f", deviation, noise));
    }

    /** Each epoch's mean training loss of a short real run on the given path and thread count. */
    private static double[] curve(boolean fused, int threads) throws Exception {
        String previousPath = System.getProperty(NativeKernel.PROPERTY);
        int previousThreads = JniUtils.getNumThreads();
        System.setProperty(NativeKernel.PROPERTY, fused ? "true" : "inference");
        JniUtils.setNumThreads(threads);
        try {
            Recipe recipe = Recipe.published(DatasetProfile.FASHION_MNIST).toBuilder()
                    .setEpochs(EPOCHS)
                    .setBatchSize(16)
                    .setLearningRate(0.02f)
                    .setDropPath(0.1f)
                    .build();
            TrainingJob job = new TrainingJob(ModelName.parse("dla_l-20-fashion_mnist"), recipe,
                    BinaryImageDataset.DEBIAN_FASHION_MNIST, Files.createTempDirectory("dla-curve"), 42, BATCHES, 0,
                    false);
            long before = NativeKernel.trainingCalls();
            List<EpochMetrics> rows = new TrainingRun(job, new PrintStream(OutputStream.nullOutputStream())).run();
            assertEquals(NativeKernel.trainingCalls() > before, fused, "the fused kernels ran: " + (NativeKernel.trainingCalls() - before));
            return rows.stream().mapToDouble(EpochMetrics::trainLoss).toArray();
        } finally {
            JniUtils.setNumThreads(previousThreads);
            if (previousPath == null) {
                System.clearProperty(NativeKernel.PROPERTY);
            } else {
                System.setProperty(NativeKernel.PROPERTY, previousPath);
            }
        }
    }

    private static String format(double[] curve) {
        StringBuilder s = new StringBuilder();
        for (double v : curve) {
            s.append(s.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4f", v));
        }
        return s.toString();
    }
}
