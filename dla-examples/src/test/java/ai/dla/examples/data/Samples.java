package ai.dla.examples.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import java.io.IOException;
import java.util.function.IntUnaryOperator;
import org.testng.Assert;

/** Reads back what a prepared dataset yields, for assertions. */
final class Samples {

    private Samples() {}

    /**
     * Returns every label of a dataset as an int, in order.
     *
     * @param dataset the prepared dataset
     * @param manager the manager that owns the records read
     * @return the labels
     * @throws IOException if a record cannot be read
     */
    static int[] labels(RandomAccessDataset dataset, NDManager manager)
            throws IOException {
        return labels(dataset, manager, Math.toIntExact(dataset.size()));
    }

    /**
     * Returns the first labels of a dataset as ints, in order.
     *
     * @param dataset the prepared dataset
     * @param manager the manager that owns the records read
     * @param count how many labels to read
     * @return the labels
     * @throws IOException if a record cannot be read
     */
    static int[] labels(RandomAccessDataset dataset, NDManager manager, int count)
            throws IOException {
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            Record record = dataset.get(manager, i);
            labels[i] = (int) record.getLabels().singletonOrThrow().getFloat();
        }
        return labels;
    }

    /**
     * Asserts the shape and every value of one image of a dataset.
     *
     * @param dataset the prepared dataset
     * @param manager the manager that owns the record read
     * @param index the index of the image in the dataset
     * @param shape the expected shape
     * @param expected the expected values, in the order of the shape
     * @throws IOException if the record cannot be read
     */
    static void assertImage(RandomAccessDataset dataset, NDManager manager, long index,
            Shape shape, float[] expected) throws IOException {
        Record record = dataset.get(manager, index);
        Assert.assertEquals(record.getData().singletonOrThrow().getShape(), shape);
        Assert.assertEquals(record.getData().singletonOrThrow().toFloatArray(), expected);
    }

    /**
     * Returns the expected labels of consecutive images.
     *
     * @param first the index of the first image
     * @param count the number of images
     * @param label the label of an image index
     * @return the labels
     */
    static int[] expectedLabels(int first, int count, IntUnaryOperator label) {
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = label.applyAsInt(first + i);
        }
        return labels;
    }
}
