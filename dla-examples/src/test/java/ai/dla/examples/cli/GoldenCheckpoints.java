package ai.dla.examples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The golden files of the authors' code, and their weights as the checkpoint a user would export. */
final class GoldenCheckpoints {

    private GoldenCheckpoints() {}

    /**
     * Reads a golden file from the repository's copy.
     *
     * @param name the file name, such as {@code cifar10-dla_l-20.npz}
     * @param manager the manager that owns the arrays
     * @return every array of the file
     * @throws IOException if the file cannot be read
     */
    static NDList read(String name, NDManager manager) throws IOException {
        Path file = Path.of(System.getProperty("dla.golden.dir", "../dla-blocks/src/test/resources/golden")).resolve(name);
        try (InputStream is = Files.newInputStream(file)) {
            return NDList.decode(manager, is);
        }
    }

    /**
     * Writes a golden file's weights as {@code tools/pth_to_npz.py} exports a DataParallel
     * checkpoint: the state dict's keys with a {@code module.} prefix.
     *
     * @param golden the golden file's arrays
     * @param target the {@code .npz} to write
     * @throws IOException if it cannot be written
     */
    static void writeCheckpoint(NDList golden, Path target) throws IOException {
        NDList weights = new NDList();
        for (NDArray a : golden) {
            if (a.getName().startsWith("weights/")) {
                NDArray w = a.duplicate();
                w.setName("module." + a.getName().substring("weights/".length()));
                weights.add(w);
            }
        }
        try (OutputStream os = Files.newOutputStream(target)) {
            weights.encode(os, NDList.Encoding.NPZ);
        }
    }
}
