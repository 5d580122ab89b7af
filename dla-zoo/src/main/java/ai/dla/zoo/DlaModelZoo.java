package ai.dla.zoo;

import ai.dla.network.Variant;

import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelZoo;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The DLA model zoo, group id {@value #GROUP_ID}: one artifact per variant ({@code dla_l}, {@code
 * dla_b}, {@code mrla_l}, {@code lii}, {@code resnet}), filtered by the properties {@code layers}
 * and {@code dataset}. Registered with DJL through {@link DlaZooProvider}, so a {@code Criteria}
 * finds it with the {@code dla-zoo} jar on the class path:
 *
 * <pre>{@code
 * Criteria<Image, Classifications> criteria = Criteria.builder()
 *         .setTypes(Image.class, Classifications.class)
 *         .optGroupId("ai.dla.zoo")
 *         .optArtifactId("dla_l")
 *         .optFilter("layers", "20")
 *         .optFilter("dataset", "fashion_mnist")
 *         .build();
 * }</pre>
 *
 * <p>Weights in {@link DlaWeights} ship inside the jar. Others load from the DJL repository that
 * the system property {@value #REPOSITORY_PROPERTY} or the environment variable {@value
 * #REPOSITORY_ENV} names (none by default). The argument {@code pretrained=false} gives the
 * initialised, untrained network of any artifact.
 *
 * <p>Threads: one {@code ZooModel} may serve many threads, each with its own {@code Predictor}.
 * A {@code Predictor} must not be shared by threads: DJL's contract is that it is not designed to
 * be thread-safe. Create one per thread (and reuse it for that thread's predictions), or keep a
 * pool of them.
 */
public final class DlaModelZoo extends ModelZoo {

    /** The zoo's group id. */
    public static final String GROUP_ID = "ai.dla.zoo";

    /** The system property naming a repository of further weights. */
    public static final String REPOSITORY_PROPERTY = "ai.dla.zoo.url";

    /** The environment variable naming a repository of further weights. */
    public static final String REPOSITORY_ENV = "DLA_ZOO_URL";

    /** Creates the zoo with a loader per variant. */
    public DlaModelZoo() {
        CatalogRepository repository = new CatalogRepository();
        for (Variant variant : Variant.values()) {
            addModel(new DlaModelLoader(repository, variant));
        }
    }

    @Override
    public String getGroupId() {
        return GROUP_ID;
    }

    @Override
    public Set<String> getSupportedEngines() {
        return Set.of("PyTorch");
    }

    /**
     * Lists every model of the zoo with its size, cost and weights, without touching the network
     * (DJL's {@code ModelZoo.listModels} reads remote metadata).
     *
     * @return the entries, variant by variant, shipped weights first within a variant
     */
    public static List<ZooEntry> list() {
        String url = repositoryUrl();
        List<ZooEntry> entries = new ArrayList<>();
        for (Variant variant : Variant.values()) {
            for (ModelName name : Catalog.names(variant)) {
                entries.add(ZooEntry.of(name, url));
            }
        }
        return entries;
    }

    /**
     * Returns a criteria builder for a model of this zoo by name: group, artifact id and filters
     * set, ready for {@code optArgument}, {@code optDevice} and {@code build()}.
     *
     * @param name the model, such as {@code dla_l-20-fashion_mnist}
     * @param input the input type: {@code Image}, {@code Path} or {@code NDList}
     * @param output the output type: {@code Classifications}, {@code float[]} (the embedding) or {@code
     *     NDList} (see {@link DlaTranslatorFactory})
     * @param <I> the input type
     * @param <O> the output type
     * @return the builder
     * @throws IllegalArgumentException if DLA models do not translate these types
     */
    public static <I, O> Criteria.Builder<I, O> criteria(ModelName name, Class<I> input, Class<O> output) {
        DlaTranslatorFactory.checkTypes(input, output);
        return Criteria.builder()
                .setTypes(input, output)
                .optGroupId(GROUP_ID)
                .optArtifactId(name.variant().getId())
                .optFilter("layers", String.valueOf(name.depth()))
                .optFilter("dataset", name.dataset().getId());
    }

    /**
     * Returns the repository of further weights: the system property {@value #REPOSITORY_PROPERTY},
     * else the environment variable {@value #REPOSITORY_ENV}.
     *
     * @return the URL, or null if neither is set
     */
    public static String repositoryUrl() {
        String url = System.getProperty(REPOSITORY_PROPERTY);
        if (url == null || url.isBlank()) {
            url = System.getenv(REPOSITORY_ENV);
        }
        return url == null || url.isBlank() ? null : url;
    }
}
