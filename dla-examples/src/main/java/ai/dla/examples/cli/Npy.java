package ai.dla.examples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Reads and writes NumPy {@code .npy} files of float32 arrays. */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {}

    /**
     * Reads a {@code .npy} file as float32.
     *
     * @param file the file
     * @param manager the manager that owns the array
     * @return the array
     * @throws IOException if the file is missing or not an {@code .npy} file; the message names it
     */
    public static NDArray read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("Input file not found: " + file.toAbsolutePath());
        }
        try (InputStream is = Files.newInputStream(file)) {
            byte[] magic = is.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(file.toAbsolutePath() + " is not a NumPy .npy file");
            }
        }
        try (InputStream is = Files.newInputStream(file)) {
            NDList list = NDList.decode(manager, is);
            return list.head().toType(DataType.FLOAT32, false);
        } catch (RuntimeException e) {
            throw new IOException("Cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes an array as a little-endian float32 {@code .npy} file (format version 1.0).
     *
     * @param file the file
     * @param array the array, converted to float32
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, NDArray array) throws IOException {
        Shape shape = array.getShape();
        String dims = Arrays.stream(shape.getShape()).mapToObj(Long::toString).collect(Collectors.joining(", "));
        if (shape.dimension() == 1) {
            dims += ",";
        }
        StringBuilder header =
                new StringBuilder(
                        String.format(Locale.ROOT, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", dims));
        int unpadded = MAGIC.length + 4 + header.length() + 1;
        header.append(" ".repeat((64 - unpadded % 64) % 64)).append('\n');
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer data = array.toType(DataType.FLOAT32, false).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            os.write(MAGIC);
            os.write(new byte[] {1, 0, (byte) (headerBytes.length & 0xff), (byte) (headerBytes.length >> 8)});
            os.write(headerBytes);
            float[] values = new float[data.remaining() / 4];
            data.asFloatBuffer().get(values);
            ByteBuffer le = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            le.asFloatBuffer().put(values);
            os.write(le.array());
        }
    }
}
