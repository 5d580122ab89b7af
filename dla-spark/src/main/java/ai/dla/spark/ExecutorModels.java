package ai.dla.spark;

import ai.dla.zoo.WeightsNotAvailableException;

import ai.djl.ModelException;
import ai.djl.modality.cv.Image;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The models of this JVM: each model is loaded once, by the first task that needs it, and shared by
 * every later task and partition; each task makes its own {@code Predictor} from it, as DJL asks.
 * The models stay until the JVM ends, when the engine's memory goes with it.
 */
final class ExecutorModels {

    private static final Map<Key, ZooModel<Image, ?>> MODELS = new HashMap<>();

    private static final AtomicLong LOADS = new AtomicLong();

    private ExecutorModels() {
    }

    /**
     * Returns the model, loading it on the first call in this JVM.
     *
     * @param source the model
     * @param output what it returns
     * @param settings what the JVM needs; applied and checked on every call, so that a predictor whose
     *     settings contradict the JVM's fails even when its model is already loaded
     * @param metrics counts the loads and their time, for the driver
     * @return the model, shared: do not close it
     * @throws DlaSparkException if the engine does not start or the model does not load
     */
    static synchronized ZooModel<Image, ?> get(ModelSource source, DlaImagePredictor.Output output,
            ExecutorSettings settings, PredictionMetrics metrics) {
        settings.apply();
        Key key = new Key(source, output);
        ZooModel<Image, ?> model = MODELS.get(key);
        if (model == null) {
            long start = System.nanoTime();
            try {
                model = source.criteria(Image.class, output.type()).build().loadModel();
            } catch (WeightsNotAvailableException e) {
                throw new DlaSparkException("Cannot load the model " + source + " on this executor: " + e.getMessage()
                        + "\nOn Spark, name the repository for every executor: the predictor's optWeightsUrl(URL),"
                        + " or --weights-url URL", e);
            } catch (IOException | ModelException | RuntimeException e) {
                throw new DlaSparkException("Cannot load the model " + source + " on this executor: " + e.getMessage()
                        + (source.directory() == null ? "" : "\nA model directory must be at this path on every"
                        + " executor: on a shared file system, or copied to each node"), e);
            }
            MODELS.put(key, model);
            LOADS.incrementAndGet();
            metrics.loads.add(1);
            metrics.loadNanos.add(System.nanoTime() - start);
        }
        return model;
    }

    /**
     * Returns how many models this JVM has loaded.
     *
     * @return the count
     */
    static long loadsInThisJvm() {
        return LOADS.get();
    }

    private record Key(ModelSource source, DlaImagePredictor.Output output) {
    }
}
