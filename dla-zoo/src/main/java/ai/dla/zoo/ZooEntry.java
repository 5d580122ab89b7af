package ai.dla.zoo;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One model of the zoo as {@link DlaModelZoo#list()} reports it.
 *
 * @param model the model name
 * @param artifactId the artifact id to ask {@code Criteria} for
 * @param properties the filters that select it ({@code layers}, {@code dataset})
 * @param parameters the trainable parameters
 * @param macs the multiply-accumulates of one image at the training size
 * @param weights where pretrained weights come from
 * @param shipped the shipped weight set with its metrics, if any
 */
public record ZooEntry(ModelName model, String artifactId, Map<String, String> properties, long parameters,
        long macs, Availability weights, Optional<DlaWeights> shipped) {

    /** Where an entry's pretrained weights come from. */
    public enum Availability {
        /** Inside the {@code dla-zoo} jar. */
        SHIPPED,
        /** Looked up in the configured weights repository when loaded (not checked by listing). */
        REPOSITORY,
        /** Nowhere: only the untrained network loads ({@code pretrained=false}). */
        NONE
    }

    static ZooEntry of(ModelName name, String repositoryUrl) {
        Optional<DlaWeights> shipped = DlaWeights.of(name);
        Availability weights = shipped.isPresent()
                ? Availability.SHIPPED
                : repositoryUrl != null ? Availability.REPOSITORY : Availability.NONE;
        return new ZooEntry(name, name.variant().getId(), Catalog.properties(name), Catalog.parameters(name),
                Catalog.macs(name), weights, shipped);
    }

    /**
     * Returns the top-1 accuracy of the shipped weights.
     *
     * @return the accuracy in percent, or empty without shipped weights
     */
    public OptionalDouble top1() {
        return shipped.map(w -> OptionalDouble.of(w.getTop1())).orElse(OptionalDouble.empty());
    }
}
