package ai.dla.examples.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Draws a run's learning curves into one PNG with XChart: loss (train and test), top-1 accuracy
 * (train and test, with the best test epoch in the legend) and the learning rate, side by side
 * over the epochs. Ticks are XChart's round numbers; the epoch axis labels every epoch of a short
 * run, and round numbers of epochs from 0 in a long one.
 */
final class Curves {

    /** The width of one panel, in pixels; the PNG holds three side by side. */
    static final int PANEL_WIDTH = 520;

    /** The height of the PNG, in pixels. */
    static final int HEIGHT = 380;

    /** Runs shorter than this get a tick and a marker at every epoch. */
    private static final int EVERY_EPOCH_UP_TO = 20;

    private static final int MARKER_SIZE = 6;

    private Curves() {}

    /**
     * Writes the curves of the given rows, replacing the file atomically.
     *
     * @param rows the epochs so far, at least one
     * @param png the file to write
     * @throws IOException if the file cannot be written
     */
    static void write(List<EpochMetrics> rows, Path png) throws IOException {
        double best = rows.stream().mapToDouble(EpochMetrics::testTop1).max().orElse(0);
        XYChart loss = panel(rows, "loss", "loss");
        series(loss, rows, "train", EpochMetrics::trainLoss);
        series(loss, rows, "test", EpochMetrics::testLoss);
        XYChart top1 = panel(rows, "top-1 accuracy", "top-1 (%)");
        top1.getStyler().setLegendPosition(LegendPosition.InsideSE);
        series(top1, rows, "train", r -> 100 * r.trainTop1());
        series(top1, rows, String.format(Locale.ROOT, "test (best %.2f)", 100 * best), r -> 100 * r.testTop1());
        XYChart rate = panel(rows, "learning rate (last step of the epoch)", "learning rate");
        series(rate, rows, "learning rate", EpochMetrics::learningRate);
        rate.getStyler().setLegendVisible(false);

        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            BitmapEncoder.saveBitmap(List.of(loss, top1, rate), 1, 3, os, BitmapEncoder.BitmapFormat.PNG);
        }
        Files.move(tmp, png, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static XYChart panel(List<EpochMetrics> rows, String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(LegendPosition.InsideNE);
        styler.setChartBackgroundColor(Color.WHITE);
        int first = rows.get(0).epoch();
        int last = Math.max(rows.get(rows.size() - 1).epoch(), first + 1);
        boolean everyEpoch = last - first < EVERY_EPOCH_UP_TO;
        styler.setXAxisMin(everyEpoch ? first : 0.0);
        styler.setXAxisMax((double) last);
        styler.setMarkerSize(everyEpoch ? MARKER_SIZE : 0);
        return chart;
    }

    private static void series(XYChart chart, List<EpochMetrics> rows, String name, ToDoubleFunction<EpochMetrics> value) {
        double[] epochs = rows.stream().mapToDouble(EpochMetrics::epoch).toArray();
        double[] values = rows.stream().mapToDouble(value).toArray();
        chart.addSeries(name, epochs, values).setMarker(SeriesMarkers.CIRCLE);
    }
}
