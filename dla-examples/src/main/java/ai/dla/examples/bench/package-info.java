/**
 * The benchmark behind {@code dla bench}: {@link ai.dla.examples.bench.Benchmark} times inference
 * and training steps of a network on synthetic batches ({@link ai.dla.examples.bench.StepTimes}),
 * and {@link ai.dla.examples.bench.ResidentMemory} reads the process's resident memory.
 */
package ai.dla.examples.bench;
