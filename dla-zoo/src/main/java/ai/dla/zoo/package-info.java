/**
 * The DLA model zoo for DJL: {@link ai.dla.zoo.DlaModelZoo} (group id {@code ai.dla.zoo},
 * registered by {@link ai.dla.zoo.DlaZooProvider}) with its metadata and shipped weights ({@link
 * ai.dla.zoo.DlaWeights}), weights repositories ({@link ai.dla.zoo.WeightsRepository}), model
 * directories ({@link ai.dla.zoo.ModelDirectory}), the block factory ({@link
 * ai.dla.zoo.DlaBlockFactory}) and the translators with each dataset's preprocessing ({@link
 * ai.dla.zoo.DlaTranslatorFactory}, {@link ai.dla.zoo.Preprocessing}).
 */
package ai.dla.zoo;
