package ai.dla.examples.train;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** The devices a run trains on: the CPU, or the first G CUDA devices. */
public final class Devices {

    private Devices() {}

    /**
     * Returns the devices for {@code --gpus G}.
     *
     * @param gpus the number of CUDA devices, 0 for the CPU
     * @return the devices, the CPU alone when {@code gpus} is 0
     * @throws IllegalArgumentException if fewer CUDA devices are visible than asked for; the
     *     message says how to get the CUDA natives
     */
    public static Device[] of(int gpus) {
        if (gpus == 0) {
            return new Device[] {Device.cpu()};
        }
        int visible = Engine.getInstance().getGpuCount();
        if (visible < gpus) {
            throw new IllegalArgumentException("--gpus " + gpus + " asked for " + gpus
                    + " CUDA device(s) but PyTorch sees " + visible + ": build with 'mvn -Pcu118 package'"
                    + " for the CUDA 11.8 natives and check nvidia-smi, or train on the CPU with --gpus 0");
        }
        Device[] devices = new Device[gpus];
        for (int i = 0; i < gpus; i++) {
            devices[i] = Device.gpu(i);
        }
        return devices;
    }
}
