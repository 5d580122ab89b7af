package ai.dla.examples.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress bar of an epoch: redrawn in place on a terminal, one line per tenth of the epoch
 * when the output goes to a file.
 */
final class Progress {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final int epoch;
    private final int epochs;
    private final int steps;
    private final boolean terminal = System.console() != null;
    private final long begin = System.nanoTime();
    private int done;

    Progress(PrintStream out, int epoch, int epochs, int steps) {
        this.out = out;
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
    }

    void step(Score fit) {
        done++;
        boolean tenth = done * 10 / steps != (done - 1) * 10 / steps;
        if (!terminal && !tenth) {
            return;
        }
        int filled = done * WIDTH / steps;
        double seconds = (System.nanoTime() - begin) / 1e9;
        String line = String.format(Locale.ROOT, "epoch %d/%d [%s%s] %3d%% loss %.4f top-1 %.2f%% %.0f img/s",
                epoch, epochs, "=".repeat(filled), " ".repeat(WIDTH - filled), 100 * done / steps,
                fit.loss(), 100 * fit.top1(), fit.images() / seconds);
        if (terminal) {
            out.print("\r" + line);
            out.flush();
        } else {
            out.println(line);
        }
    }

    /**
     * Prints the epoch's line.
     *
     * @param row the epoch's metrics
     * @param dataWait the share of the training time spent waiting for the next batch
     * @param systemTime the system time and page faults of the training part, from {@code
     *     ProcessCounters.since}
     */
    void done(EpochMetrics row, double dataWait, String systemTime) {
        if (terminal) {
            out.println();
        }
        out.printf(Locale.ROOT, "epoch %d/%d lr %.4g train loss %.4f top-1 %.2f%% | test loss %.4f top-1 %.2f%%"
                        + " top-5 %.2f%% | %.0f s, %.0f img/s, %.1f%% waiting for data, %s%n",
                epoch, epochs, row.learningRate(), row.trainLoss(), 100 * row.trainTop1(), row.testLoss(),
                100 * row.testTop1(), 100 * row.testTop5(), row.seconds(), row.imagesPerSecond(), 100 * dataWait,
                systemTime);
    }
}
