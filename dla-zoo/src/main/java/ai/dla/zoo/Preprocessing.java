package ai.dla.zoo;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.translate.Pipeline;

import java.util.Locale;

/**
 * How an image becomes the input a model was trained on: resized (CIFAR and Fashion-MNIST: to the
 * training size; ImageNet: shorter side to 256, then a 224 centre crop), read as colour or
 * grayscale, scaled to [0, 1] and normalised per channel.
 *
 * @param dataset the dataset the model was trained on
 */
public record Preprocessing(DatasetProfile dataset) {

    private static final int IMAGENET_RESIZE = 256;

    /**
     * Returns the pipeline from an HWC image with values 0 to 255 to a normalised CHW array.
     *
     * @param resize whether to resize (false when the images already have the training size)
     * @return the pipeline
     */
    public Pipeline pipeline(boolean resize) {
        Pipeline pipeline = new Pipeline();
        int size = dataset.getImageSize();
        if (resize) {
            if (dataset == DatasetProfile.IMAGENET) {
                pipeline.add(new ResizeShorterSide(IMAGENET_RESIZE)).add(new CenterCrop(size, size));
            } else {
                pipeline.add(new BilinearResize(size, size));
            }
        }
        return pipeline.add(new ToTensor()).add(new ChannelNormalize(dataset.getMean(), dataset.getStd()));
    }

    /**
     * Returns how images are read: grayscale for one-channel models, colour otherwise.
     *
     * @return the flag for {@code Image.toNDArray}
     */
    public Image.Flag flag() {
        return dataset.getChannels() == 1 ? Image.Flag.GRAYSCALE : Image.Flag.COLOR;
    }

    /**
     * Describes the preprocessing in one line, for metadata and listings.
     *
     * @return such as {@code resize 28x28, grayscale, scale to [0,1], mean 0.286 std 0.353}
     */
    public String describe() {
        int size = dataset.getImageSize();
        String resize = dataset == DatasetProfile.IMAGENET
                ? "resize shorter side to " + IMAGENET_RESIZE + ", centre crop " + size + "x" + size
                : "resize to " + size + "x" + size;
        return String.format(Locale.ROOT, "%s, %s, scale to [0,1], mean %s std %s", resize,
                dataset.getChannels() == 1 ? "grayscale" : "RGB", join(dataset.getMean()),
                join(dataset.getStd()));
    }

    static String join(float[] values) {
        StringBuilder sb = new StringBuilder();
        for (float v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return sb.toString();
    }
}
