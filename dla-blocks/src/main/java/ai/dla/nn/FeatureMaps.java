package ai.dla.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** Whole-batch operations on feature maps [B, C, H, W]: pooling, broadcasting, residual sums, memory layout. */
public final class FeatureMaps {

    private static final Shape UNIT = new Shape(1, 1);

    private FeatureMaps() {}

    /**
     * Global average pooling over the last two (spatial) axes, as a sum scaled by 1 / (H·W). The
     * gradient of a sum broadcasts without being written out, where the gradient of a mean is
     * divided into a new full-size tensor.
     *
     * @param x [..., H, W], for example [B, C, H, W] or [B, T, C, H, W]
     * @return [...], for example [B, C]
     */
    public static NDArray gap(NDArray x) {
        Shape s = x.getShape();
        int rank = s.dimension();
        return Scalars.scale(x.sum(new int[] {rank - 2, rank - 1}), 1f / (s.get(rank - 2) * s.get(rank - 1)));
    }

    /**
     * Spreads a [B, C] tensor over a feature map, for a per-sample and per-channel product.
     *
     * @param v [B, C]
     * @return [B, C, 1, 1]
     */
    public static NDArray spatial(NDArray v) {
        return v.expandDims(2).expandDims(3);
    }

    /**
     * Adds two feature maps for a residual connection. In inference the sum is written into {@code
     * into}, so no new array is allocated; {@code into} must then be an intermediate of the
     * caller's forward pass that nothing else reads, not even a backward pass taken through the
     * inference path (for input gradients): the output of a convolution, a product or a sum, not of
     * a ReLU, whose gradient reads its output. In training the sum is a new array: an in-place sum
     * after a BatchNorm made ResNet-20's training step 1.7 to 1.9 times slower (docs/benchmarks.md).
     *
     * @param into the intermediate operand
     * @param x the other operand
     * @param training whether this is a training pass
     * @return into + x
     */
    public static NDArray residual(NDArray into, NDArray x, boolean training) {
        return training ? into.add(x) : into.addi(x);
    }

    /**
     * The depthwise 3×3 convolution of x [B, C, H, W] with padding 1: each channel with its own
     * kernel.
     *
     * @param x the feature map [B, C, H, W], in any memory layout
     * @param weight the kernels [C, 1, 3, 3]
     * @param bias a per-channel bias [C], or null
     * @return [B, C, H, W], in x's memory layout and manager
     */
    public static NDArray depthwise(NDArray x, NDArray weight, NDArray bias) {
        return Conv2d.conv2d(x, weight, bias, UNIT, UNIT, UNIT, (int) x.getShape().get(1)).head();
    }

    /**
     * Returns x [B, C, H, W] laid out channels-last in memory (NHWC strides, PyTorch's {@code
     * channels_last}), with the same shape and values. PyTorch's convolutions, BatchNorm and
     * elementwise operations keep that layout in their outputs, and oneDNN computes depthwise and 1×1
     * convolutions without reordering it; an NCHW depthwise convolution is reordered in and out.
     *
     * <p>The NHWC view is flattened, which copies it in any batch size (a reshape to [B·H·W, C] is a
     * view when B is 1, and left a batch of one image in NCHW memory).
     *
     * @param x [B, C, H, W]
     * @return a channels-last copy of x, in x's manager
     */
    public static NDArray channelsLast(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 3, 1)
                .flatten()
                .reshape(s.get(0), s.get(2), s.get(3), s.get(1))
                .transpose(0, 3, 1, 2);
    }
}
