package ai.dla.light;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * What the fused training kernels take from one unit's light layer attention, computed under
 * autograd ({@link ai.dla.attention.LightLayerAttention#trainingTerms}).
 *
 * @param heads the heads' weights a [B, C / 32]
 * @param factor the per-sample factor of the shortcut [B, C]: λ ⊙ d in DLA-L, λ in MRLA-L
 * @param value Wv tap-major [9 · C]
 * @param shortcut λ ⊙ DW tap-major [9 · C] (DLA-L), or null (MRLA-L)
 * @param batchNorm the attention BatchNorm's {@code NDList(γ, β, running mean, running variance)}
 */
public record BranchTerms(NDArray heads, NDArray factor, NDArray value, NDArray shortcut, NDList batchNorm) {

    /**
     * Returns the terms whose gradients the kernels compute, flattened in the order of {@link
     * FusedLightTraining}'s gradient vector: a, the factor, λ ⊙ DW (if any), Wv, γ, β.
     *
     * @return the differentiable terms
     */
    NDList differentiable() {
        NDList terms = new NDList(heads.flatten(), factor.flatten());
        if (shortcut != null) {
            terms.add(shortcut);
        }
        terms.add(value);
        terms.add(batchNorm.get(0));
        terms.add(batchNorm.get(1));
        return terms;
    }

    /**
     * The gradients of the terms, as the map kernels' backward pass gives them.
     *
     * @param heads dL/da [B, C / 32]
     * @param factor dL/d(factor) [B, C]
     * @param value dL/dWv tap-major [9 · C]
     * @param shortcut dL/d(λ ⊙ DW) tap-major [9 · C], or null (MRLA-L)
     * @param gamma dL/dγ [C]
     * @param beta dL/dβ [C]
     */
    record Gradients(NDArray heads, NDArray factor, NDArray value, NDArray shortcut, NDArray gamma, NDArray beta) {

        /**
         * Returns the gradients in the order of {@link BranchTerms#differentiable()}.
         *
         * @return the gradients
         */
        NDList differentiable() {
            NDList grads = new NDList(heads, factor);
            if (shortcut != null) {
                grads.add(shortcut);
            }
            grads.add(value);
            grads.add(gamma);
            grads.add(beta);
            return grads;
        }
    }
}
