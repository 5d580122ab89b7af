package example;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Classifies image files with the zoo's DLA-L-20 for Fashion-MNIST, as a user's application would. */
public final class Classify {

    private Classify() {}

    /**
     * Returns the classifications of each file.
     *
     * @param files image files
     * @return each file's classifications, in order
     * @throws Exception if the model cannot be loaded or an image read
     */
    public static Map<Path, Classifications> classify(List<Path> files) throws Exception {
        Criteria<Path, Classifications> criteria = Criteria.builder()
                .setTypes(Path.class, Classifications.class)
                .optGroupId("ai.dla.zoo")
                .optArtifactId("dla_l")
                .optFilter("layers", "20")
                .optFilter("dataset", "fashion_mnist")
                .build();
        Map<Path, Classifications> out = new LinkedHashMap<>();
        try (ZooModel<Path, Classifications> model = criteria.loadModel();
                Predictor<Path, Classifications> predictor = model.newPredictor()) {
            for (Path file : files) {
                out.put(file, predictor.predict(file));
            }
        }
        return out;
    }

    /**
     * Prints the best class of each image file.
     *
     * @param args image files
     * @throws Exception if the model cannot be loaded or an image read
     */
    public static void main(String[] args) throws Exception {
        List<Path> files = Arrays.stream(args).map(Path::of).toList();
        classify(files).forEach((file, c) -> System.out.println(file + ": " + c.best()));
    }
}
