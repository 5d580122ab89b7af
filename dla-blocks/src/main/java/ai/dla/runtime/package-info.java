/** Settings of the running process that every user of the networks shares: the native allocator. */
package ai.dla.runtime;
