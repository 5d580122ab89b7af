package ai.dla.cell;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The function that turns a DSU's cell state c into its output h (paper, Table 5). The published
 * network uses the sigmoid.
 */
public enum ContextNorm {
    /** {@code h = sigmoid(c)}: the published choice. */
    SIGMOID,
    /** {@code h = c}. */
    IDENTITY,
    /** {@code h = tanh(c)}. */
    TANH,
    /** {@code h = max(c, 0)}. */
    RELU;

    /**
     * Applies the function elementwise.
     *
     * @param c the cell state
     * @return the normalised state
     */
    public NDArray apply(NDArray c) {
        switch (this) {
            case IDENTITY:
                return c;
            case TANH:
                return c.tanh();
            case RELU:
                return Activation.relu(c);
            default:
                return Activation.sigmoid(c);
        }
    }
}
