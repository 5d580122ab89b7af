/** Settings of the running process that the commands and benchmarks share: the native allocator. */
package ai.dla.examples.runtime;
