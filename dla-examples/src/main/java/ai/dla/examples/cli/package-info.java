/** The {@code dla} command line: one class per command, dispatched by {@link ai.dla.examples.cli.Dla}. */
package ai.dla.examples.cli;
