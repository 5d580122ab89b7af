/**
 * Import of checkpoints trained with the authors' PyTorch code: a state dict exported to {@code
 * .npz} is mapped key by key onto a {@link ai.dla.network.DlaResNet}.
 */
package ai.dla.importer;
