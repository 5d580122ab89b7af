/** The {@code dla} command line on picocli: one annotated class per command, under {@link ai.dla.examples.cli.Dla}. */
package ai.dla.examples.cli;
