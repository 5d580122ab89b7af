/**
 * The example trainer behind {@code dla train}: {@link ai.dla.examples.train.TrainingRun} runs a
 * {@link ai.dla.examples.train.TrainingJob} with a {@link ai.dla.examples.train.Recipe} (the
 * published CIFAR and ImageNet recipes, and this project's Fashion-MNIST one), SGD with PyTorch's
 * momentum convention ({@link ai.dla.examples.train.ResumableSgd}), per-epoch evaluation ({@link
 * ai.dla.examples.train.Score}), {@code metrics.csv}, {@code curves.png}, atomic checkpoints and an
 * exact resume.
 */
package ai.dla.examples.train;
