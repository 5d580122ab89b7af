/**
 * Datasets and augmentation for the example trainers.
 *
 * <ul>
 *   <li>{@link ai.dla.examples.data.BinaryImageDataset}: CIFAR-10, CIFAR-100 (fine or coarse
 *       labels) and Fashion-MNIST as DJL {@code ArrayDataset}s, read in place from a folder of the
 *       files as published, with no network and no copy in DJL's cache.
 *   <li>{@link ai.dla.examples.data.PadRandomCrop}: the standard CIFAR augmentation, zero padding
 *       followed by a random crop of the original size.
 *   <li>{@link ai.dla.examples.data.RandomFlip}: a left-right flip with its own coin for each image
 *       of a batch.
 *   <li>{@link ai.dla.examples.data.TrainingData}: the training and test splits of the four
 *       datasets with their augmentation and normalisation, as the trainer uses them.
 * </ul>
 *
 * <p>All three image datasets yield float32 images with values 0 to 255 in HWC layout (height,
 * width, channels) and float32 class indices as labels; their default pipeline ({@code ToTensor})
 * turns a batch into NCHW float32 in [0, 1].
 */
package ai.dla.examples.data;
