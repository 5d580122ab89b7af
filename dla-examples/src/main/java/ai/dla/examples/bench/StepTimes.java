package ai.dla.examples.bench;

import java.util.Arrays;

/**
 * The wall-clock times of the measured steps of one benchmark, in nanoseconds.
 *
 * @param nanos the time of each step, in the order they ran
 * @param batch the images per step
 */
public record StepTimes(long[] nanos, int batch) {

    /**
     * Checks that there is at least one step.
     *
     * @param nanos the time of each step
     * @param batch the images per step
     */
    public StepTimes {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no step was measured");
        }
        nanos = nanos.clone();
    }

    /**
     * Returns the median step time (the mean of the middle two for an even count).
     *
     * @return milliseconds
     */
    public double medianMillis() {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double middle = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        return middle / 1e6;
    }

    /**
     * Returns the fastest step.
     *
     * @return milliseconds
     */
    public double minMillis() {
        return Arrays.stream(nanos).min().getAsLong() / 1e6;
    }

    /**
     * Returns the slowest step.
     *
     * @return milliseconds
     */
    public double maxMillis() {
        return Arrays.stream(nanos).max().getAsLong() / 1e6;
    }

    /**
     * Returns the throughput at the median step time.
     *
     * @return images per second
     */
    public double imagesPerSecond() {
        return batch * 1000.0 / medianMillis();
    }
}
