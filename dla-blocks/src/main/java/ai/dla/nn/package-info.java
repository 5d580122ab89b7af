/** Small building helpers shared by the DLA blocks: initialisers, layer factories, parameter paths. */
package ai.dla.nn;
