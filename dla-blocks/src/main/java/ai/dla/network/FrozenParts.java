package ai.dla.network;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Which parts of a network (the stem, stages) are frozen. A frozen part's trainable parameters take
 * no gradient, and it runs as in inference while the rest trains; BatchNorm running statistics never
 * take gradients, frozen or not.
 */
final class FrozenParts {

    private final Set<Block> frozen = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Freezes or unfreezes a part.
     *
     * @param part the part
     * @param freeze true to freeze
     */
    void set(Block part, boolean freeze) {
        part.freezeParameters(freeze, FrozenParts::isTrainable);
        if (freeze) {
            frozen.add(part);
        } else {
            frozen.remove(part);
        }
    }

    /**
     * Returns whether a part is frozen.
     *
     * @param part the part
     * @return true if frozen
     */
    boolean contains(Block part) {
        return frozen.contains(part);
    }

    /**
     * Returns whether a part trains in a pass.
     *
     * @param part the part
     * @param training whether the pass trains
     * @return true if the pass trains and the part is not frozen
     */
    boolean trains(Block part, boolean training) {
        return training && !frozen.contains(part);
    }

    /**
     * Re-freezes frozen parts whose parameters were unfrozen behind the network's back: DJL's {@code
     * Model.newTrainer} unfreezes every parameter of a loaded model.
     */
    void keepFrozen() {
        for (Block part : frozen) {
            for (Parameter p : part.getParameters().values()) {
                if (p.requiresGradient() && isTrainable(p)) {
                    p.freeze(true);
                }
            }
        }
    }

    private static boolean isTrainable(Parameter p) {
        return p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR;
    }
}
