package ai.dla.attention;

import ai.dla.nn.Init;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;

/**
 * The query, key and value maps that both attention forms share: Q and K are ECA-style 1-D
 * convolutions over the channel summary, V is a depthwise 3×3 convolution of the feature map.
 */
final class Projections {

    /** The number of channels in one attention head. */
    static final int HEAD_WIDTH = 32;

    private static final Shape ONE = new Shape(1);
    private static final Shape ONE_2D = new Shape(1, 1);

    private Projections() {}

    /**
     * Returns the ECA kernel size for C channels: t = int(|(log2 C + 1) / 2|), made odd.
     *
     * @param channels C
     * @return the odd kernel size
     */
    static int ecaKernel(long channels) {
        int t = (int) Math.abs((Math.log(channels) / Math.log(2) + 1) / 2);
        return t % 2 == 1 ? t : t + 1;
    }

    static void checkChannels(int channels) {
        if (channels <= 0 || channels % HEAD_WIDTH != 0) {
            throw new IllegalArgumentException(
                    "Layer attention needs a positive channel count divisible by the head width "
                            + HEAD_WIDTH
                            + ", got "
                            + channels);
        }
    }

    static Parameter queryKeyWeight(String name, int kernel) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, kernel))
                .optInitializer(Init.uniformFanIn(kernel))
                .build();
    }

    static Parameter valueWeight(int channels) {
        return Parameter.builder()
                .setName("wv")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(channels, 1, 3, 3))
                .optInitializer(Init.convolution())
                .build();
    }

    /**
     * Computes Q and K from the channel summary in one 1-D convolution with two filters.
     *
     * @param gap the summary [B, C]
     * @param wq the query kernel [1, 1, k]
     * @param wk the key kernel [1, 1, k]
     * @return [B, 2, C]: Q in row 0 and K in row 1 of axis 1
     */
    static NDArray queryKey(NDArray gap, NDArray wq, NDArray wk) {
        long k = wq.getShape().get(2);
        NDList out =
                Conv1d.conv1d(
                        gap.expandDims(1),
                        wq.concat(wk, 0),
                        null,
                        ONE,
                        new Shape((k - 1) / 2),
                        ONE,
                        1);
        return out.head();
    }

    /**
     * Computes V, the depthwise 3×3 convolution of the feature map.
     *
     * @param x the feature map [B, C, H, W]
     * @param wv the weight [C, 1, 3, 3]
     * @return V [B, C, H, W]
     */
    static NDArray value(NDArray x, NDArray wv) {
        return Conv2d.conv2d(x, wv, null, ONE_2D, ONE_2D, ONE_2D, (int) x.getShape().get(1)).head();
    }

    /**
     * Returns the multiply-accumulates of Q, K and V for one sample.
     *
     * @param channels C
     * @param kernel k
     * @param pixels H·W
     * @return 2·C·k + 9·C·H·W
     */
    static long macs(long channels, int kernel, long pixels) {
        return 2 * channels * kernel + 9 * channels * pixels;
    }
}
