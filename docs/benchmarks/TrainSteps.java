import ai.dla.examples.train.ResumableSgd;
import ai.dla.light.SegmentedBackward;
import ai.dla.runtime.NativeMemory;
import ai.dla.zoo.ModelName;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;

/**
 * Times CIFAR training steps of one zoo network (batch 128, 3 untimed steps first) as `dla train`
 * runs them, forward and backward apart from the optimizer's step, and prints the timed window in
 * CLOCK_MONOTONIC seconds for `perf report --time START,END` (docs/benchmarks.md).
 *
 * <p>Usage, from the repository: {@code javac -cp dla-examples/target/dla.jar -d /tmp
 * docs/benchmarks/TrainSteps.java}, then {@code perf record -k CLOCK_MONOTONIC -F 999 -- java
 * -Dai.djl.pytorch.num_threads=2 -cp dla-examples/target/dla.jar:/tmp TrainSteps dla_l-20-cifar10 30}.
 */
public final class TrainSteps {

    private static final int WARMUP = 3;

    private TrainSteps() {}

    public static void main(String[] args) throws Exception {
        NativeMemory.restartWithAllocator();
        String model = args[0];
        int steps = Integer.parseInt(args[1]);
        Engine.getInstance().setRandomSeed(1);
        Shape input = new Shape(128, 3, 32, 32);
        try (Model net = Model.newInstance(model, Device.cpu())) {
            net.setBlock(ModelName.parse(model).builder().optDropPathRate(0.2f).build());
            ResumableSgd sgd = new ResumableSgd(step -> 0.1f, 0.9f, 1e-4f);
            try (Trainer trainer = net.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(sgd)
                            .optDevices(new Device[] {Device.cpu()}));
                    NDManager data = NDManager.newBaseManager()) {
                trainer.initialize(input);
                NDArray images = data.randomNormal(input);
                NDArray labels = data.randomInteger(0, 10, new Shape(128), DataType.INT32).toType(DataType.FLOAT32, false);
                long passes = 0;
                long updates = 0;
                long start = 0;
                for (int i = -WARMUP; i < steps; i++) {
                    long t0 = System.nanoTime();
                    if (i == 0) {
                        start = t0;
                    }
                    long t1;
                    try (NDManager scope = data.newSubManager()) {
                        NDArray x = images.duplicate();
                        x.attach(scope);
                        NDArray y = labels.duplicate();
                        y.attach(scope);
                        try (GradientCollector collector = trainer.newGradientCollector();
                                SegmentedBackward segments = SegmentedBackward.open()) {
                            NDList predictions = trainer.forward(new NDList(x), new NDList(y));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(y), predictions);
                            segments.backward(collector, loss);
                            loss.getFloat();
                        }
                        t1 = System.nanoTime();
                        trainer.step();
                    }
                    if (i >= 0) {
                        passes += t1 - t0;
                        updates += System.nanoTime() - t1;
                    }
                }
                long end = System.nanoTime();
                System.out.printf("timed window %d.%06d %d.%06d%n", start / 1_000_000_000L, start % 1_000_000_000L / 1000,
                        end / 1_000_000_000L, end % 1_000_000_000L / 1000);
                System.out.printf("%s forward and backward %.1f ms, optimizer step %.2f ms%n", model,
                        passes / 1e6 / steps, updates / 1e6 / steps);
            }
        }
    }
}
