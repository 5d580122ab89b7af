package ai.dla.zoo;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a DJL parameter file ({@code <model>-NNNN.params}, the format of {@code Model.save}) into
 * a model whose block is set. Hand-written because DJL 0.25's {@code Model.load} leaks a directory
 * handle and its buffer on every call (the unclosed {@code Files.list} of {@code
 * Utils.getNestedModelDir}), so a service that loads and closes models runs out of file handles.
 */
final class ParameterFile {

    private static final String MAGIC = "DJL@";
    private static final int VERSION = 1;

    private ParameterFile() {}

    /**
     * Reads the parameters, and the properties saved with them, into the model.
     *
     * @param file the parameter file
     * @param model the model, its block built for the same network
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if it is not a DJL parameter file, is truncated, or holds
     *     another network; the message names the file
     */
    static void read(Path file, Model model) throws IOException, MalformedModelException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] magic = new byte[MAGIC.length()];
            in.readFully(magic);
            if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new MalformedModelException(file + " is not a DJL parameter file");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new MalformedModelException(file + " is in DJL's model format " + version + "; DJL 0.25 reads "
                        + VERSION);
            }
            in.readUTF();
            DataType.valueOf(in.readUTF());
            int inputs = in.readInt();
            for (int i = 0; i < inputs; i++) {
                in.readUTF();
                Shape.decode(in);
            }
            int properties = in.readInt();
            for (int i = 0; i < properties; i++) {
                model.setProperty(in.readUTF(), in.readUTF());
            }
            model.getBlock().loadParameters(model.getNDManager(), in);
        } catch (EOFException e) {
            throw new MalformedModelException(file + " ends early: it is truncated", e);
        } catch (MalformedModelException e) {
            throw e.getMessage() != null && e.getMessage().contains(file.toString())
                    ? e
                    : new MalformedModelException(file + ": " + e.getMessage(), e);
        }
    }
}
