package ai.dla.network;

import java.util.Map;
import java.util.TreeMap;

/** The two backbones: the CIFAR bottleneck ResNet (3 stages) and the ImageNet one (4 stages). */
public enum Layout {
    /**
     * conv3×3(16) stem, stages of planes 16, 32, 64 with n units each, depth 9n + 2 (20, 56, 110,
     * ...), reduction r = 4.
     */
    CIFAR(new int[] {16, 32, 64}, 16, 3, 4, new int[] {20, 56, 110}),
    /**
     * conv7×7/2(64) + max-pool stem, stages of planes 64, 128, 256, 512, depth 50 [3, 4, 6, 3] or
     * 101 [3, 4, 23, 3], reduction r = 16.
     */
    IMAGENET(new int[] {64, 128, 256, 512}, 64, 7, 16, new int[] {50, 101});

    private static final Map<Integer, int[]> IMAGENET_UNITS =
            new TreeMap<>(Map.of(50, new int[] {3, 4, 6, 3}, 101, new int[] {3, 4, 23, 3}));

    private final int[] planes;
    private final int stemChannels;
    private final int stemKernel;
    private final int defaultReduction;
    private final int[] standardDepths;

    Layout(int[] planes, int stemChannels, int stemKernel, int defaultReduction, int[] standardDepths) {
        this.planes = planes;
        this.stemChannels = stemChannels;
        this.stemKernel = stemKernel;
        this.defaultReduction = defaultReduction;
        this.standardDepths = standardDepths;
    }

    /**
     * Returns the planes p of each stage.
     *
     * @return a copy of the planes
     */
    public int[] getPlanes() {
        return planes.clone();
    }

    /**
     * Returns the units per stage for a depth.
     *
     * @param depth the network depth
     * @return the number of units of each stage
     * @throws IllegalArgumentException naming the valid depths for this layout
     */
    public int[] unitsPerStage(int depth) {
        if (this == CIFAR) {
            if (depth < 20 || (depth - 2) % 9 != 0) {
                throw new IllegalArgumentException(
                        "CIFAR bottleneck depth must be 9n + 2 with n >= 2 (20, 29, 38, 47, 56, ..., 110), got "
                                + depth);
            }
            int n = (depth - 2) / 9;
            return new int[] {n, n, n};
        }
        int[] units = IMAGENET_UNITS.get(depth);
        if (units == null) {
            throw new IllegalArgumentException(
                    "ImageNet depth must be one of " + IMAGENET_UNITS.keySet() + ", got " + depth);
        }
        return units.clone();
    }

    /**
     * Returns the stem's output channels.
     *
     * @return 16 or 64
     */
    public int getStemChannels() {
        return stemChannels;
    }

    /**
     * Returns the stem's kernel size.
     *
     * @return 3 or 7
     */
    public int getStemKernel() {
        return stemKernel;
    }

    /**
     * Returns the published reduction ratio of the DSU.
     *
     * @return 4 or 16
     */
    public int getDefaultReduction() {
        return defaultReduction;
    }

    /**
     * Returns the depths the zoo lists for this layout.
     *
     * @return 20, 56 and 110 for CIFAR; 50 and 101 for ImageNet
     */
    public int[] getStandardDepths() {
        return standardDepths.clone();
    }

    /**
     * Returns whether each unit's last BatchNorm γ starts at 0.
     *
     * @return true for ImageNet
     */
    public boolean zeroLastGamma() {
        return this == IMAGENET;
    }
}
