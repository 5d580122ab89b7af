/**
 * The stages of the bottleneck ResNet, one class per variant ({@link ai.dla.stage.DlaLStage},
 * {@link ai.dla.stage.DlaBStage}, {@link ai.dla.stage.MrlaStage}, {@link ai.dla.stage.LiiStage},
 * {@link ai.dla.stage.PlainStage}) on one base ({@link ai.dla.stage.Stage}: the units, the parts a
 * variant registers, one cost hook), and the bottleneck unit they are built from.
 */
package ai.dla.stage;
