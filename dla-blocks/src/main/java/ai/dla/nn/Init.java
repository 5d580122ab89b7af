package ai.dla.nn;

import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;

/**
 * The initialisations of the reference network (architecture spec, section 3).
 *
 * <ul>
 *   <li>every 2-D convolution: normal with standard deviation {@code sqrt(2 / (k·k·out))}
 *       (Kaiming, fan-out);
 *   <li>linear layers and 1-D convolutions: uniform in {@code ±1/sqrt(fan_in)}, weights and biases;
 *   <li>the attention scale λ: standard normal.
 * </ul>
 */
public final class Init {

    private Init() {}

    /**
     * Returns the Kaiming fan-out normal initialiser used for every 2-D convolution.
     *
     * @return normal with standard deviation {@code sqrt(2 / (out·kh·kw))}
     */
    public static Initializer convolution() {
        return new XavierInitializer(
                XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.OUT, 2);
    }

    /**
     * Returns the uniform initialiser of linear layers and 1-D convolutions.
     *
     * @param fanIn the number of inputs feeding one output (in·kernel)
     * @return uniform in {@code ±1/sqrt(fanIn)}, for weights and biases alike
     */
    public static Initializer uniformFanIn(long fanIn) {
        float bound = (float) (1.0 / Math.sqrt(fanIn));
        return (manager, shape, dataType) -> manager.randomUniform(-bound, bound, shape, dataType);
    }

    /**
     * Returns the standard normal initialiser of λ.
     *
     * @return normal with mean 0 and standard deviation 1
     */
    public static Initializer standardNormal() {
        return new NormalInitializer(1f);
    }
}
