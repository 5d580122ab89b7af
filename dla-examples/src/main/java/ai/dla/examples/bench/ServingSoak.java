package ai.dla.examples.bench;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.DlaWeights;
import ai.dla.zoo.ModelName;

import ai.djl.ModelException;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;

/**
 * Resident memory of a serving process over a long run, the curve {@code docs/reliability.md}
 * reports: many single-image predictions through one {@code Predictor}, or many {@code ZooModel}
 * load, predict and close cycles. Memory is read every {@code every} iterations and the growth is
 * measured from the reading after the first {@value #SETTLED_PREDICTIONS} predictions or {@value
 * #SETTLED_CYCLES} cycles (allocator pools and the JIT settle before then).
 */
public final class ServingSoak {

    /** The predictions after which memory is taken as settled. */
    public static final int SETTLED_PREDICTIONS = 1000;

    /** The load and close cycles after which memory is taken as settled. */
    public static final int SETTLED_CYCLES = 100;

    private static final MemoryMXBean HEAP = ManagementFactory.getMemoryMXBean();

    private final ModelName model;
    private final PrintStream out;
    private final List<Image> images;

    /**
     * Creates a soak for a zoo model: its shipped weights where it has them, else its untrained
     * network (the same computation).
     *
     * @param model the model
     * @param out where the readings are printed
     */
    public ServingSoak(ModelName model, PrintStream out) {
        this.model = model;
        this.out = out;
        this.images = images(model.dataset().getImageSize());
    }

    /**
     * Runs single-image predictions through one predictor.
     *
     * @param count the number of predictions
     * @param every the predictions between memory readings
     * @return the growth of resident memory from the settled reading to the last, in percent
     * @throws IOException if the model cannot be read
     * @throws ModelException if it cannot be loaded
     * @throws TranslateException if a prediction fails
     */
    public double predictions(int count, int every) throws IOException, ModelException, TranslateException {
        out.printf(Locale.ROOT, "serving %s (%s): %d single-image predictions through one Predictor%n", model,
                weights(), count);
        Curve curve = new Curve("predictions", SETTLED_PREDICTIONS);
        try (ZooModel<Image, Classifications> zoo = criteria().loadModel();
                Predictor<Image, Classifications> predictor = zoo.newPredictor()) {
            for (int i = 1; i <= count; i++) {
                predictor.predict(images.get(i % images.size()));
                curve.at(i, every);
            }
        }
        return curve.growth();
    }

    /**
     * Loads the model, makes one prediction and closes it, again and again.
     *
     * @param count the number of cycles
     * @param every the cycles between memory readings
     * @return the growth of resident memory from the settled reading to the last, in percent
     * @throws IOException if the model cannot be read
     * @throws ModelException if it cannot be loaded
     * @throws TranslateException if a prediction fails
     */
    public double reloads(int count, int every) throws IOException, ModelException, TranslateException {
        out.printf(Locale.ROOT, "serving %s (%s): %d ZooModel load, predict and close cycles%n", model, weights(),
                count);
        Curve curve = new Curve("cycles", SETTLED_CYCLES);
        Criteria<Image, Classifications> criteria = criteria();
        for (int i = 1; i <= count; i++) {
            try (ZooModel<Image, Classifications> zoo = criteria.loadModel();
                    Predictor<Image, Classifications> predictor = zoo.newPredictor()) {
                predictor.predict(images.get(i % images.size()));
            }
            curve.at(i, every);
        }
        return curve.growth();
    }

    private String weights() {
        return DlaWeights.of(model).isPresent() ? "shipped weights" : "untrained network";
    }

    private Criteria<Image, Classifications> criteria() {
        return DlaModelZoo.criteria(model, Image.class, Classifications.class)
                .optArgument("pretrained", String.valueOf(DlaWeights.of(model).isPresent()))
                .build();
    }

    /** Images of the dataset's size and others, grey and colour, as a service receives them. */
    private static List<Image> images(int size) {
        Random random = new Random(5);
        List<Image> images = new ArrayList<>();
        int[][] sizes = {{size, size}, {size * 2, size + 7}, {1, 1}, {97, 64}};
        int[] types = {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB,
            BufferedImage.TYPE_3BYTE_BGR};
        for (int k = 0; k < sizes.length; k++) {
            BufferedImage b = new BufferedImage(sizes[k][0], sizes[k][1], types[k]);
            for (int y = 0; y < b.getHeight(); y++) {
                for (int x = 0; x < b.getWidth(); x++) {
                    b.setRGB(x, y, random.nextInt());
                }
            }
            images.add(ImageFactory.getInstance().fromImage(b));
        }
        return images;
    }

    /** The readings of one run. */
    private final class Curve {

        private final String unit;
        private final int settledAt;
        private long settled = -1;
        private long last = -1;

        Curve(String unit, int settledAt) {
            this.unit = unit;
            this.settledAt = settledAt;
        }

        void at(int i, int every) {
            if (i % every != 0 && i != settledAt) {
                return;
            }
            OptionalLong rss = ResidentMemory.current();
            if (rss.isEmpty()) {
                return;
            }
            last = rss.getAsLong();
            if (i == settledAt) {
                settled = last;
            }
            if (i % every == 0) {
                out.printf(Locale.ROOT, "  %s %d: resident memory %.1f MiB (Java heap committed %.1f MiB)%n", unit, i,
                        last / 1048576.0, HEAP.getHeapMemoryUsage().getCommitted() / 1048576.0);
            }
        }

        double growth() {
            if (settled < 0 || last < 0) {
                out.println("growth: n/a (fewer than " + settledAt + " " + unit + ", or no /proc/self/status)");
                return Double.NaN;
            }
            double percent = 100.0 * (last - settled) / settled;
            out.printf(Locale.ROOT, "growth after the first %d %s: %.1f -> %.1f MiB (%+.2f%%)%n", settledAt, unit,
                    settled / 1048576.0, last / 1048576.0, percent);
            return percent;
        }
    }
}
