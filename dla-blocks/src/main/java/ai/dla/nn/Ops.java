package ai.dla.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

import java.util.Arrays;

/** Whole-batch tensor operations the blocks share. */
public final class Ops {

    private static final Shape UNIT = new Shape(1, 1);

    private Ops() {}

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
        return scale(x.sum(new int[] {rank - 2, rank - 1}), 1f / (s.get(rank - 2) * s.get(rank - 1)));
    }

    /**
     * Multiplies by a constant, held in an array of the operand's manager.
     *
     * <p>Use this, not {@code NDArray.mul(Number)}, wherever the result takes part in a backward
     * pass. DJL 0.25 wraps the number in an array over a direct buffer and closes that array as soon
     * as the product is computed, but autograd keeps the scalar for the backward pass; once the JVM
     * has collected the buffer, the backward pass reads freed memory (seen as NaN weights after a
     * random training step). The array made here lives as long as the operand's manager, the batch.
     *
     * @param x the operand
     * @param factor the constant
     * @return x · factor
     */
    public static NDArray scale(NDArray x, float factor) {
        return x.mul(constant(x, factor));
    }

    /**
     * Returns a scalar array on an array's device, owned by its manager (the batch's), so that it
     * lives as long as the operations that use it.
     *
     * @param like the array whose manager and device are used
     * @param value the value
     * @return the 0-dimensional array
     */
    public static NDArray constant(NDArray like, float value) {
        return like.getManager().create(value).toDevice(like.getDevice(), false);
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
     * Spreads a [B, C] tensor over a feature map, for a per-sample and per-channel product.
     *
     * @param v [B, C]
     * @return [B, C, 1, 1]
     */
    public static NDArray spatial(NDArray v) {
        return v.expandDims(2).expandDims(3);
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
     * Scales each output channel of a convolution weight.
     *
     * @param weight [C, ...]
     * @param factor [C]
     * @return factor[c] · weight[c, ...], owned by factor's manager
     */
    public static NDArray perChannel(NDArray weight, NDArray factor) {
        Shape s = weight.getShape();
        long[] axes = new long[s.dimension()];
        Arrays.fill(axes, 1);
        axes[0] = s.get(0);
        return factor.reshape(new Shape(axes)).mul(weight);
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
