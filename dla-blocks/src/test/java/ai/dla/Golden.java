package ai.dla;

import ai.dla.importer.StateDict;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** One golden file of {@code dla-blocks/src/test/resources/golden/}: arrays computed by the authors' code. */
public final class Golden {

    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    private Golden(NDList list) {
        for (NDArray a : list) {
            String name = a.getName().endsWith(".npy") ? a.getName().substring(0, a.getName().length() - 4) : a.getName();
            arrays.put(name, a);
        }
    }

    /**
     * Returns the golden directory, from the system property {@code dla.golden.dir} that the build
     * sets to the repository's copy, {@code dla-blocks/src/test/resources/golden}.
     *
     * @return the directory
     */
    public static Path dir() {
        Path dir = Path.of(System.getProperty("dla.golden.dir", "src/test/resources/golden"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Golden vectors not found at " + dir.toAbsolutePath()
                    + " (the repository keeps them in dla-blocks/src/test/resources/golden)");
        }
        return dir;
    }

    /**
     * Reads one golden file.
     *
     * @param file the file name, such as {@code cifar10-dla_l-20.npz}
     * @param manager the manager that owns the arrays
     * @return the golden data
     * @throws IOException if it cannot be read
     */
    public static Golden read(String file, NDManager manager) throws IOException {
        try (InputStream is = Files.newInputStream(dir().resolve(file))) {
            return new Golden(NDList.decode(manager, is));
        }
    }

    /**
     * Returns one array.
     *
     * @param name the name without {@code .npy}
     * @return the array
     */
    public NDArray get(String name) {
        NDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("No array " + name + " in golden file; have " + arrays.keySet());
        }
        return a;
    }

    /**
     * Returns whether an array is present.
     *
     * @param name the name without {@code .npy}
     * @return true if present
     */
    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    /**
     * Returns the arrays under a prefix such as {@code grad/}, by the rest of their name.
     *
     * @param prefix the prefix
     * @return the arrays
     */
    public Map<String, NDArray> under(String prefix) {
        Map<String, NDArray> map = new LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                map.put(k.substring(prefix.length()), v);
            }
        });
        return map;
    }

    /**
     * Returns the weights: {@code weights/<key>} as stored, or for the compact ImageNet file {@code
     * q/<key> · 2^e/<key>}.
     *
     * @return the state dict
     */
    public StateDict weights() {
        if (!has("q/conv1.weight")) {
            return StateDict.of(under("weights/"));
        }
        Map<String, NDArray> exps = under("e/");
        Map<String, NDArray> map = new LinkedHashMap<>();
        under("q/").forEach((k, q) -> {
            int e = exps.get(k).toType(DataType.INT32, false).toIntArray()[0];
            map.put(k, q.toType(DataType.FLOAT32, false).mul((float) Math.pow(2, e)));
        });
        return StateDict.of(map);
    }

    /**
     * Returns {@code max|ours - ref| / max|ref|}, the error measure of the golden README.
     *
     * @param ours our values
     * @param ref the reference values
     * @return the relative error
     */
    public static double relativeError(NDArray ours, NDArray ref) {
        double diff = ours.sub(ref).abs().max().getFloat();
        double scale = ref.abs().max().getFloat();
        return diff / scale;
    }
}
