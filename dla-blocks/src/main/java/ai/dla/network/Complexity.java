package ai.dla.network;

import ai.dla.nn.ParameterPaths;

import ai.djl.ndarray.types.Shape;

/** What a network costs: its trainable parameters and the multiply-accumulates of one image. */
public final class Complexity {

    private Complexity() {}

    /**
     * Returns the multiply-accumulates of one forward pass for one image: convolutions, linear
     * layers, the context cells and the attention products. BatchNorm, activations, pooling and
     * additions are not counted.
     *
     * @param net the network
     * @param height the image height
     * @param width the image width
     * @return the multiply-accumulates
     */
    public static long macs(DlaResNet net, long height, long width) {
        Shape[] shapes = net.featureShapes(new Shape(1, net.getConfig().inputChannels(), height, width));
        long total = net.getStem().macs(height, width);
        for (int s = 0; s < net.getStages().size(); s++) {
            total += net.getStages().get(s).macs(shapes[s].get(2), shapes[s].get(3));
        }
        return total + shapes[shapes.length - 1].get(1) * net.getConfig().classes();
    }

    /**
     * Counts the trainable parameters (BatchNorm running statistics excluded). The network must be
     * initialised.
     *
     * @param net the network
     * @return the number of trainable values
     * @throws IllegalStateException if the network is not initialised
     */
    public static long parameters(DlaResNet net) {
        net.checkInitialized("counting its parameters");
        return ParameterPaths.countTrainable(net);
    }
}
