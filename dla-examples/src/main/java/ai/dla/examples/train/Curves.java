package ai.dla.examples.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * Draws a run's learning curves into a PNG: loss (train and test) on the left, top-1 accuracy
 * (train and test) on the right, both over the epochs. Plain Java 2D, headless.
 */
final class Curves {

    private static final int PANEL_WIDTH = 520;
    private static final int HEIGHT = 380;
    private static final int MARGIN = 56;
    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color TEST = new Color(214, 39, 40);

    private Curves() {}

    /**
     * Writes the curves of the given rows, replacing the file atomically.
     *
     * @param rows the epochs so far
     * @param png the file to write
     * @throws IOException if the file cannot be written
     */
    static void write(List<EpochMetrics> rows, Path png) throws IOException {
        BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            panel(g, 0, rows, "loss", EpochMetrics::trainLoss, EpochMetrics::testLoss, false);
            panel(g, PANEL_WIDTH, rows, "top-1 accuracy (%)", r -> 100 * r.trainTop1(),
                    r -> 100 * r.testTop1(), true);
        } finally {
            g.dispose();
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        ImageIO.write(image, "png", tmp.toFile());
        Files.move(tmp, png, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void panel(Graphics2D g, int x0, List<EpochMetrics> rows, String title,
            ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> test, boolean showBest) {
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (EpochMetrics r : rows) {
            lo = Math.min(lo, Math.min(train.applyAsDouble(r), test.applyAsDouble(r)));
            hi = Math.max(hi, Math.max(train.applyAsDouble(r), test.applyAsDouble(r)));
        }
        double pad = Math.max((hi - lo) * 0.05, 1e-6);
        lo -= pad;
        hi += pad;
        int left = x0 + MARGIN;
        int right = x0 + PANEL_WIDTH - 16;
        int top = 36;
        int bottom = HEIGHT - 44;
        int lastEpoch = rows.get(rows.size() - 1).epoch();
        int firstEpoch = rows.get(0).epoch();

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.BLACK);
        g.drawString(title, left, 20);
        g.drawRect(left, top, right - left, bottom - top);
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            int y = bottom - (bottom - top) * i / 4;
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, y, right - 1, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.3g", v), x0 + 4, y + 4);
        }
        g.drawString("epoch " + firstEpoch, left, bottom + 18);
        String end = "epoch " + lastEpoch;
        g.drawString(end, right - g.getFontMetrics().stringWidth(end), bottom + 18);

        line(g, rows, train, TRAIN, lo, hi, left, right, top, bottom, firstEpoch, lastEpoch);
        line(g, rows, test, TEST, lo, hi, left, right, top, bottom, firstEpoch, lastEpoch);
        g.setColor(TRAIN);
        g.drawString("train", left + 8, top + 16);
        g.setColor(TEST);
        String testLabel = "test";
        if (showBest) {
            double best = rows.stream().mapToDouble(test).max().orElse(0);
            testLabel = String.format(Locale.ROOT, "test (best %.2f)", best);
        }
        g.drawString(testLabel, left + 8, top + 32);
    }

    private static void line(Graphics2D g, List<EpochMetrics> rows, ToDoubleFunction<EpochMetrics> f,
            Color color, double lo, double hi, int left, int right, int top, int bottom, int first, int last) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int span = Math.max(1, last - first);
        int px = -1;
        int py = -1;
        for (EpochMetrics r : rows) {
            int x = left + (int) Math.round((double) (right - left) * (r.epoch() - first) / span);
            int y = bottom - (int) Math.round((bottom - top) * (f.applyAsDouble(r) - lo) / (hi - lo));
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            g.fillOval(x - 3, y - 3, 6, 6);
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }
}
