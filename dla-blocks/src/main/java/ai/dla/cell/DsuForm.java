package ai.dla.cell;

/** How a Dynamic Sharing Unit forms its gate pre-activations from {@code y} and {@code h}. */
public enum DsuForm {
    /**
     * The published code: {@code MLP_ih(y) + MLP_hh(h)}, two ReLU perceptrons C -> C/r -> 3C with
     * biases; about 8C²/r parameters.
     */
    PUBLISHED,
    /**
     * The paper's text: {@code W2 · ReLU(W1 · [h, y])} with W1 (C/r × 2C, no bias) and three gate
     * heads C/r -> C with biases; about 5C²/r parameters.
     */
    PAPER
}
