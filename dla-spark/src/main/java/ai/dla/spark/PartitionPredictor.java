package ai.dla.spark;

import ai.dla.network.DlaResNet;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The rows of one partition with their predictions, made a batch at a time as Spark asks for them:
 * each batch's images are decoded, those that decode go through one {@code batchPredict}, and each
 * row gets either its prediction or the reason it has none. The predictor is made for the first
 * row, so that an empty partition loads nothing.
 */
final class PartitionPredictor implements Iterator<Row> {

    private static final String FORMATS = "give a PNG, JPEG, BMP or GIF file";

    private final PredictionJob job;
    private final Iterator<Row> rows;
    private final Deque<Row> ready = new ArrayDeque<>();
    private Predictor<Image, Object> predictor;
    private boolean closed;

    PartitionPredictor(PredictionJob job, Iterator<Row> rows) {
        this.job = job;
        this.rows = rows;
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && !closed && rows.hasNext()) {
            predictBatch();
        }
        if (ready.isEmpty()) {
            close();
        }
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /** Closes the predictor; the model stays for the next task. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            if (predictor != null) {
                predictor.close();
            }
        }
    }

    private void predictBatch() {
        List<Row> batch = new ArrayList<>(job.batchSize());
        while (batch.size() < job.batchSize() && rows.hasNext()) {
            batch.add(rows.next());
        }
        Object[] results = new Object[batch.size()];
        String[] errors = new String[batch.size()];
        List<Image> images = new ArrayList<>();
        List<Integer> decoded = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < batch.size(); i++) {
            try {
                images.add(decode(batch.get(i)));
                decoded.add(i);
            } catch (IOException e) {
                errors[i] = e.getMessage();
            }
        }
        job.metrics().decodeNanos.add(System.nanoTime() - start);
        if (!images.isEmpty()) {
            predict(images, decoded, results, errors);
        }
        for (int i = 0; i < batch.size(); i++) {
            ready.add(withPrediction(batch.get(i), results[i], errors[i]));
            if (errors[i] != null) {
                job.metrics().errors.add(1);
            }
        }
        job.metrics().images.add(batch.size());
    }

    /** One batchPredict; if it fails, each image alone, so that only the bad ones get an error. */
    private void predict(List<Image> images, List<Integer> rowsOf, Object[] results, String[] errors) {
        Predictor<Image, Object> p = predictor();
        long start = System.nanoTime();
        try {
            List<Object> out = p.batchPredict(images);
            for (int j = 0; j < out.size(); j++) {
                results[rowsOf.get(j)] = out.get(j);
            }
        } catch (TranslateException | RuntimeException batchFailure) {
            for (int j = 0; j < images.size(); j++) {
                try {
                    results[rowsOf.get(j)] = p.predict(images.get(j));
                } catch (TranslateException | RuntimeException e) {
                    errors[rowsOf.get(j)] = "the model cannot take this image: " + e.getMessage();
                }
            }
        } finally {
            job.metrics().predictNanos.add(System.nanoTime() - start);
        }
    }

    @SuppressWarnings("unchecked")
    private Predictor<Image, Object> predictor() {
        if (predictor == null) {
            ZooModel<Image, ?> model = ExecutorModels.get(job.source(), job.output(), job.settings(), job.metrics());
            if (job.output() == DlaImagePredictor.Output.CLASSES) {
                int classes = ((DlaResNet) model.getBlock()).getConfig().classes();
                if (job.topK() > classes) {
                    throw new DlaSparkException("The predictor asks for the top " + job.topK() + " classes, and the"
                            + " model " + job.source() + " has " + classes + ": give a top-k of 1 to " + classes,
                            null);
                }
            }
            predictor = (Predictor<Image, Object>) model.newPredictor();
        }
        return predictor;
    }

    private Image decode(Row row) throws IOException {
        byte[] bytes = (byte[]) row.get(job.contentIndex());
        if (bytes == null) {
            throw new IOException("the row has no image bytes (null): " + FORMATS);
        }
        if (bytes.length == 0) {
            throw new IOException("the file is empty: " + FORMATS);
        }
        try {
            return ImageFactory.getInstance().fromInputStream(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read the image (" + e.getMessage() + "): " + FORMATS, e);
        }
    }

    /** The input row with the model, the prediction (null where there is none) and the error. */
    private Row withPrediction(Row row, Object result, String error) {
        int width = row.length();
        boolean classes = job.output() == DlaImagePredictor.Output.CLASSES;
        Object[] values = new Object[width + (classes ? 4 : 3)];
        for (int i = 0; i < width; i++) {
            values[i] = row.get(i);
        }
        values[width] = job.source().toString();
        if (classes) {
            if (result != null) {
                List<Classifications.Classification> top = ((Classifications) result).topK(job.topK());
                String[] labels = new String[top.size()];
                double[] probabilities = new double[top.size()];
                for (int k = 0; k < top.size(); k++) {
                    labels[k] = top.get(k).getClassName();
                    probabilities[k] = top.get(k).getProbability();
                }
                values[width + 1] = labels;
                values[width + 2] = probabilities;
            }
        } else {
            values[width + 1] = result;
        }
        values[values.length - 1] = error;
        return RowFactory.create(values);
    }
}
