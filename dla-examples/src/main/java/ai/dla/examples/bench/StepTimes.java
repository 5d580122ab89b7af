package ai.dla.examples.bench;

import java.util.Arrays;

/**
 * The wall-clock times of the measured steps of one benchmark, in nanoseconds.
 *
 * @param nanos the time of each step, in the order they ran
 * @param batch the images per step
 * @param kernelCallsPerStep the fused kernel's calls per step (warm-up included)
 */
public record StepTimes(long[] nanos, int batch, double kernelCallsPerStep) {

    /**
     * Checks that there is at least one step.
     *
     * @param nanos the time of each step
     * @param batch the images per step
     * @param kernelCallsPerStep the fused kernel's calls per step
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
     * Returns a percentile of the step times by the nearest-rank method: the smallest time that at
     * least {@code percent}% of the steps do not exceed.
     *
     * @param percent in (0, 100], for example 99
     * @return milliseconds
     * @throws IllegalArgumentException if percent is out of range
     */
    public double percentileMillis(double percent) {
        if (!(percent > 0 && percent <= 100)) {
            throw new IllegalArgumentException("a percentile is in (0, 100], got " + percent);
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percent / 100 * sorted.length);
        return sorted[Math.max(rank, 1) - 1] / 1e6;
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
