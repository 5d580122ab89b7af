package ai.dla.network;

import ai.dla.nn.ParameterPaths;
import ai.dla.stage.Stage;

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
        Shape shape = new Shape(1, net.getConfig().inputChannels(), height, width);
        long total = net.getStem().macs(height, width);
        shape = net.getStem().getOutputShapes(new Shape[] {shape})[0];
        for (Stage stage : net.getStages()) {
            total += stage.macs(shape.get(2), shape.get(3));
            shape = stage.getOutputShapes(new Shape[] {shape})[0];
        }
        return total + shape.get(1) * net.getConfig().classes();
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
        if (!net.isInitialized()) {
            throw new IllegalStateException("Initialise the network before counting its parameters, e.g. "
                    + "net.initialize(manager, DataType.FLOAT32, new Shape(1, " + net.getConfig().inputChannels()
                    + ", 32, 32))");
        }
        return ParameterPaths.countTrainable(net);
    }
}
