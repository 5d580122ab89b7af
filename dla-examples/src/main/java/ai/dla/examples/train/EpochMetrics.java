package ai.dla.examples.train;

import java.util.Locale;

/**
 * One row of {@code metrics.csv}: what one epoch of training measured.
 *
 * @param epoch the epoch, counted from 1
 * @param learningRate the learning rate at the epoch's last step
 * @param trainLoss the mean training loss over the epoch (augmented images, DropPath active)
 * @param trainTop1 the training top-1 accuracy over the epoch, 0 to 1
 * @param testLoss the mean loss on the test split
 * @param testTop1 the top-1 accuracy on the test split, 0 to 1
 * @param testTop5 the top-5 accuracy on the test split, 0 to 1
 * @param seconds the wall time of the epoch's training and evaluation
 * @param imagesPerSecond the training throughput of the epoch
 */
public record EpochMetrics(int epoch, double learningRate, double trainLoss, double trainTop1,
        double testLoss, double testTop1, double testTop5, double seconds, double imagesPerSecond) {

    /** The header line of {@code metrics.csv}. */
    public static final String HEADER =
            "epoch,lr,train_loss,train_top1,test_loss,test_top1,test_top5,seconds,images_per_second";

    /**
     * Formats the row as a CSV line.
     *
     * @return the line, without a line break
     */
    public String toCsv() {
        return String.format(Locale.ROOT, "%d,%.6g,%.5f,%.5f,%.5f,%.5f,%.5f,%.1f,%.1f", epoch,
                learningRate, trainLoss, trainTop1, testLoss, testTop1, testTop5, seconds, imagesPerSecond);
    }

    /**
     * Parses a CSV line written by {@link #toCsv()}.
     *
     * @param line the line
     * @return the row
     * @throws IllegalArgumentException if the line does not have the nine columns
     */
    public static EpochMetrics parse(String line) {
        String[] f = line.split(",");
        if (f.length != 9) {
            throw new IllegalArgumentException("Not a metrics.csv row: " + line);
        }
        return new EpochMetrics(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]));
    }
}
