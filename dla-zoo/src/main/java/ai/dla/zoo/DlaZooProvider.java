package ai.dla.zoo;

import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooProvider;

/** Registers {@link DlaModelZoo} with DJL, through {@code META-INF/services}. */
public final class DlaZooProvider implements ZooProvider {

    @Override
    public ModelZoo getModelZoo() {
        return new DlaModelZoo();
    }
}
