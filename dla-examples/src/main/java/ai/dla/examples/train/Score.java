package ai.dla.examples.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Running totals of cross-entropy loss and top-1 and top-5 hits over batches of logits, computed
 * with whole-batch tensor operations.
 */
public final class Score {

    private double lossSum;
    private long top1;
    private long top5;
    private long images;

    /**
     * Adds one batch.
     *
     * @param logits the logits, (N, classes)
     * @param labels the class indices, (N) of any numeric type
     */
    public void add(NDArray logits, NDArray labels) {
        try (NDManager scope = logits.getManager().newSubManager()) {
            NDArray target = labels.toType(DataType.INT64, false).reshape(-1, 1);
            target.attach(scope);
            NDArray logProbabilities = logits.logSoftmax(1);
            logProbabilities.attach(scope);
            lossSum -= logProbabilities.gather(target, 1).sum().getFloat();
            long k = Math.min(5, logits.getShape().get(1));
            NDArray ranked = logits.argSort(1, false);
            ranked.attach(scope);
            NDArray hits = ranked.get(new NDIndex(":, 0:{}", k)).eq(target);
            top1 += hits.get(new NDIndex(":, 0")).sum().getLong();
            top5 += hits.sum().getLong();
            images += logits.getShape().get(0);
        }
    }

    /**
     * Adds the totals of a training step: a mean loss and top-1 hits over {@code n} images.
     *
     * @param meanLoss the mean loss of the step
     * @param hits the top-1 hits of the step
     * @param n the number of images
     */
    void addTraining(double meanLoss, long hits, long n) {
        lossSum += meanLoss * n;
        top1 += hits;
        images += n;
    }

    /**
     * Returns the mean loss.
     *
     * @return the loss per image, or NaN if nothing was added
     */
    public double loss() {
        return lossSum / images;
    }

    /**
     * Returns the top-1 accuracy.
     *
     * @return the fraction of images whose highest logit is the label, 0 to 1
     */
    public double top1() {
        return (double) top1 / images;
    }

    /**
     * Returns the top-5 accuracy (top-k with k the number of classes if fewer than 5).
     *
     * @return the fraction of images whose label is among the five highest logits, 0 to 1
     */
    public double top5() {
        return (double) top5 / images;
    }

    /**
     * Returns the number of images added.
     *
     * @return the count
     */
    public long images() {
        return images;
    }
}
