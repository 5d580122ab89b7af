package ai.dla.importer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PyTorch state dict as named arrays: keys without the {@code module.} prefix that DataParallel
 * adds, and without the {@code num_batches_tracked} counters, which carry no weights.
 */
public final class StateDict {

    private static final String DATA_PARALLEL_PREFIX = "module.";
    private static final String BATCH_COUNTER = "num_batches_tracked";

    private final Map<String, NDArray> arrays;

    private StateDict(Map<String, NDArray> arrays) {
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /**
     * Reads a state dict exported to {@code .npz} (one array per key, named by its key).
     *
     * @param file the {@code .npz} file
     * @param manager the manager that will own the arrays
     * @return the state dict
     * @throws IOException if the file is missing or is not an {@code .npz} archive; the message
     *     names the file
     */
    public static StateDict read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(
                    "Weights file not found: "
                            + file.toAbsolutePath()
                            + " (export a PyTorch checkpoint with tools/pth_to_npz.py)");
        }
        NDList list;
        try (InputStream is = Files.newInputStream(file)) {
            list = NDList.decode(manager, is);
        } catch (RuntimeException e) {
            throw new IOException(
                    "Cannot read "
                            + file.toAbsolutePath()
                            + " as an .npz state dict ("
                            + e.getMessage()
                            + "); export it with tools/pth_to_npz.py",
                    e);
        }
        return of(list, "");
    }

    /**
     * Builds a state dict from named arrays, keeping those whose name starts with a prefix.
     *
     * @param list named arrays, as {@code NDList.decode} returns them from an {@code .npz}
     * @param prefix the prefix to select and strip ({@code ""} for all)
     * @return the state dict
     */
    public static StateDict of(NDList list, String prefix) {
        Map<String, NDArray> map = new LinkedHashMap<>();
        for (NDArray array : list) {
            String name = array.getName();
            if (name == null || !name.startsWith(prefix)) {
                continue;
            }
            map.put(name.substring(prefix.length()), array);
        }
        return of(map);
    }

    /**
     * Builds a state dict from a map of key to array.
     *
     * @param arrays the arrays by published key
     * @return the state dict, keys normalised
     */
    public static StateDict of(Map<String, NDArray> arrays) {
        Map<String, NDArray> map = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            String key = e.getKey();
            if (key.endsWith(".npy")) {
                key = key.substring(0, key.length() - 4);
            }
            if (key.startsWith(DATA_PARALLEL_PREFIX)) {
                key = key.substring(DATA_PARALLEL_PREFIX.length());
            }
            if (!key.endsWith(BATCH_COUNTER)) {
                map.put(key, e.getValue());
            }
        }
        return new StateDict(map);
    }

    /**
     * Returns the arrays by key.
     *
     * @return an unmodifiable map in file order
     */
    public Map<String, NDArray> arrays() {
        return arrays;
    }
}
