package ai.dla.examples.data;

/** The axis order of the images an augmentation receives. */
public enum AxisOrder {
    /** Height, width, channels: (H, W, C) or (N, H, W, C), DJL's image datasets before {@code ToTensor}. */
    HWC,
    /** Channels, height, width: (C, H, W) or (N, C, H, W), after {@code ToTensor}. */
    CHW
}
