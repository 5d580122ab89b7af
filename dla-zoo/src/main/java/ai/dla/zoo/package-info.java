/**
 * DLA models the DJL way: the block factory DJL instantiates from model metadata, and the model
 * directory format that {@code dla import} writes and {@code Criteria.optModelPath} loads.
 */
package ai.dla.zoo;
