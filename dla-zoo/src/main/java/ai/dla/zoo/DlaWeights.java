package ai.dla.zoo;

import java.util.Arrays;
import java.util.Optional;

/**
 * The pretrained weight sets that ship inside the {@code dla-zoo} jar, each with the metrics it
 * reaches and how it was made, in the manner of torchvision's weights enums.
 */
public enum DlaWeights {
    /**
     * DLA-L-20 for Fashion-MNIST (1-channel stem, 28×28, per-sample context): 94.08% top-1 on the
     * 10,000 test images, trained here with {@code dla train} in 83 minutes on a 2-core CPU.
     */
    DLA_L_20_FASHION_MNIST(
            "dla_l-20-fashion_mnist",
            "7f9820bfc6698ae77983264baa868fb76bb4cbbb",
            1_681_417,
            94.08,
            99.96,
            "Fashion-MNIST test split, all 10,000 images (Debian's dataset-fashion-mnist), as stored (28x28"
                    + " grayscale), no test-time augmentation, weights of the last epoch: dla eval --model"
                    + " dla_l-20-fashion_mnist",
            "dla train --dataset fashion_mnist --model dla_l-20-fashion_mnist --seed 42: 15 epochs, batch 128,"
                    + " SGD momentum 0.9, learning rate 0.1 with cosine decay, weight decay 5e-4, pad-2 random"
                    + " crop and flip, on the 60,000 training images; see docs/fashion-mnist.md",
            new Provenance(94.09, 14, 42, 15, 1.38, Machine.of(Machine.AMD_EPYC, "2 PyTorch threads"))),

    /**
     * The plain bottleneck ResNet-20 for CIFAR-10, the baseline of the paper's Table 1: 90.55% top-1
     * on the 10,000 test images after the published recipe's 180 epochs (best epoch 90.68%; the
     * paper's 91.64 ± 0.18), trained here in 9 hours on a 2-core CPU. See docs/cifar10.md.
     */
    RESNET_20_CIFAR10(
            "resnet-20-cifar10",
            "1007317749430a11ee7007b7e76a3339ccd399f2",
            907_940,
            90.55,
            99.69,
            Cifar10Run.evaluation("resnet-20-cifar10"),
            Cifar10Run.recipe("resnet-20-cifar10"),
            new Provenance(90.68, 131, 42, 180, 8.98, Machine.of(Machine.AMD_EPYC,
                    "2 PyTorch threads for epochs 1-92, then 1 beside another training run"))),

    /**
     * MRLA-L-20 for CIFAR-10, the bottleneck ResNet-20 with the static light layer attention (the
     * paper's MRLA-light row): 92.76% top-1 on the 10,000 test images after the published recipe's
     * 180 epochs (best epoch 92.99%; the paper's 92.65 ± 0.08), trained here in 16 hours on a 2-core
     * CPU. See docs/cifar10.md.
     */
    MRLA_L_20_CIFAR10(
            "mrla_l-20-cifar10",
            "856adfa6b91753eeac79412f4bc0a9d3d240396e",
            963_235,
            92.76,
            99.81,
            Cifar10Run.evaluation("mrla_l-20-cifar10"),
            Cifar10Run.recipe("mrla_l-20-cifar10"),
            new Provenance(92.99, 175, 42, 180, 15.72, Machine.of(Machine.INTEL_XEON,
                    "1 PyTorch thread beside the DLA-L-20 run"))),

    /**
     * DLA-L-20 for CIFAR-10, the paper's main network (DSU context and light layer attention on the
     * bottleneck ResNet-20, per-sample context): 92.86% top-1 on the 10,000 test images after the
     * published recipe's 180 epochs (best epoch 92.90%; the paper's 92.96 ± 0.18), trained here in 16
     * hours on a 2-core CPU. See docs/cifar10.md.
     */
    DLA_L_20_CIFAR10(
            "dla_l-20-cifar10",
            "08a0da2dfd946a957a772b481cf9dc234b94305c",
            1_682_573,
            92.86,
            99.78,
            Cifar10Run.evaluation("dla_l-20-cifar10"),
            Cifar10Run.recipe("dla_l-20-cifar10"),
            new Provenance(92.90, 176, 42, 180, 16.02, Machine.of(Machine.INTEL_XEON,
                    "1 PyTorch thread beside the MRLA-L-20 run for epochs 1-175, then 2")));

    /** The machines this project's runs trained on: 2 vCPUs and 24 GiB of a host, PyTorch on the CPU. */
    private static final class Machine {
        static final String AMD_EPYC = "an AMD EPYC host (x86-64, AVX-512)";
        static final String INTEL_XEON = "an Intel Xeon host (KVM, x86-64, AVX-512)";

        static String of(String host, String threads) {
            return "2 vCPUs of " + host + ", 24 GiB, " + threads + ", DJL 0.25.0 with PyTorch 2.0.1 on the CPU";
        }
    }

    /** What the CIFAR-10 runs of docs/cifar10.md share: one recipe, seed and evaluation. */
    private static final class Cifar10Run {
        static String evaluation(String model) {
            return "CIFAR-10 test batch (test_batch.bin of the official binary release), all 10,000 images,"
                    + " 32x32 RGB as stored, no test-time augmentation, weights of the last epoch: dla eval --model "
                    + model + " --data-dir cifar-10-batches-bin";
        }

        static String recipe(String model) {
            return "dla train --model " + model + " --data-dir cifar-10-batches-bin --seed 42: the paper's CIFAR"
                    + " recipe, 180 epochs, batch 128, SGD momentum 0.9, learning rate 0.1 x0.1 after epochs 100"
                    + " and 150, weight decay 1e-4 on every parameter, DropPath 0.2 on the attention branch,"
                    + " pad-4 random crop and flip, on the 50,000 training images; see docs/cifar10.md";
        }
    }

    /**
     * How a weight set was made, beyond its recipe: the paper's protocol reports the best epoch's
     * test accuracy, a shipped file is the last epoch's.
     *
     * @param bestTop1 the best top-1 on the test split over the run's epochs, in percent
     * @param bestEpoch the epoch that reached it (1-based)
     * @param seed the run's seed ({@code dla train --seed})
     * @param epochs the epochs trained; the shipped file is the last one's
     * @param hours the run's training time, wall clock, without the periods the run was stopped (for a
     *     run resumed many times, the sum of its epochs' times, training and test evaluation)
     * @param machine what the run trained on
     */
    public record Provenance(double bestTop1, int bestEpoch, long seed, int epochs, double hours, String machine) {}

    private final ModelName model;
    private final String sha1;
    private final long size;
    private final double top1;
    private final double top5;
    private final String evaluation;
    private final String recipe;
    private final Provenance provenance;

    DlaWeights(String model, String sha1, long size, double top1, double top5, String evaluation,
            String recipe, Provenance provenance) {
        this.model = ModelName.parse(model);
        this.sha1 = sha1;
        this.size = size;
        this.top1 = top1;
        this.top5 = top5;
        this.evaluation = evaluation;
        this.recipe = recipe;
        this.provenance = provenance;
    }

    /**
     * Returns the weight set of a model, if one ships.
     *
     * @param model the model
     * @return the weights, or empty
     */
    public static Optional<DlaWeights> of(ModelName model) {
        return Arrays.stream(values()).filter(w -> w.model.equals(model)).findFirst();
    }

    /**
     * Returns the model the weights are for.
     *
     * @return the model name
     */
    public ModelName getModel() {
        return model;
    }

    /**
     * Returns the name of the parameter file, {@code <model>-0000.params}.
     *
     * @return the file name
     */
    public String getFileName() {
        return model + "-0000.params";
    }

    /**
     * Returns the SHA-1 of the parameter file, in lower-case hex.
     *
     * @return the hash
     */
    public String getSha1() {
        return sha1;
    }

    /**
     * Returns the size of the parameter file.
     *
     * @return the size in bytes
     */
    public long getSize() {
        return size;
    }

    /**
     * Returns the top-1 accuracy on the dataset's test split.
     *
     * @return the accuracy in percent
     */
    public double getTop1() {
        return top1;
    }

    /**
     * Returns the top-5 accuracy on the dataset's test split.
     *
     * @return the accuracy in percent
     */
    public double getTop5() {
        return top5;
    }

    /**
     * Returns how the accuracies were measured.
     *
     * @return a sentence naming the split, the preprocessing and the command
     */
    public String getEvaluation() {
        return evaluation;
    }

    /**
     * Returns how the weights were trained.
     *
     * @return the training command and recipe
     */
    public String getRecipe() {
        return recipe;
    }

    /**
     * Returns how the run went: its best epoch, seed, length, hours and machine.
     *
     * @return the provenance
     */
    public Provenance getProvenance() {
        return provenance;
    }
}
