package ai.dla.examples.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.evaluator.TopKAccuracy;

/**
 * Running totals of cross-entropy loss and top-1 and top-5 hits over batches of logits. The hits
 * are DJL's own {@link Accuracy} and {@link TopKAccuracy} evaluators, the ones DJL's trainers
 * report; the loss is summed per image here, because DJL's {@code Loss} evaluator averages batch
 * means, which overweights a short last batch.
 */
public final class Score {

    private static final String KEY = "score";

    private final Accuracy top1 = new Accuracy();
    private final TopKAccuracy top5 = new TopKAccuracy(5);
    private double lossSum;
    private long images;

    /** Creates empty totals. */
    public Score() {
        top1.addAccumulator(KEY);
        top5.addAccumulator(KEY);
    }

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
            NDList truth = new NDList(labels);
            NDList predictions = new NDList(logits);
            top1.updateAccumulator(KEY, truth, predictions);
            top5.updateAccumulator(KEY, truth, predictions);
            images += logits.getShape().get(0);
        }
    }

    /**
     * Adds a training step: its mean loss, and the top-1 hits of its logits.
     *
     * @param meanLoss the mean loss of the step
     * @param logits the step's logits, (N, classes)
     * @param labels the class indices, (N)
     */
    void addTraining(double meanLoss, NDArray logits, NDArray labels) {
        long n = logits.getShape().get(0);
        lossSum += meanLoss * n;
        top1.updateAccumulator(KEY, new NDList(labels), new NDList(logits));
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
        return top1.getAccumulator(KEY);
    }

    /**
     * Returns the top-5 accuracy (top-k with k the number of classes if fewer than 5) of the
     * batches added with {@link #add}.
     *
     * @return the fraction of images whose label is among the five highest logits, 0 to 1
     */
    public double top5() {
        return top5.getAccumulator(KEY);
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
