package ai.dla.zoo;

import ai.djl.repository.Artifact;
import ai.djl.repository.Metadata;
import ai.djl.repository.RemoteRepository;
import ai.djl.repository.Repository;
import ai.djl.util.JsonUtils;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Writes a DJL model repository of DLA weights: the folder (or web server root) that {@link
 * DlaModelZoo#REPOSITORY_PROPERTY} or {@link DlaModelZoo#REPOSITORY_ENV} points the zoo at.
 *
 * <p>Layout: {@code model/cv/image_classification/ai/dla/zoo/<variant>/metadata.json} lists the
 * artifacts with their properties, arguments, SHA-1 and size; each parameter file sits beside it
 * under {@code <model>/}. Serve the folder over HTTP, or use it directly as a {@code file:} URL.
 */
public final class WeightsRepository {

    private WeightsRepository() {}

    /**
     * Opens a repository of DLA weights at a URL: {@code http:} and {@code https:} as DJL's remote
     * repository, which reads each variant's {@code metadata.json}, anything else ({@code file:},
     * {@code jar:}, {@code s3:}) as DJL chooses for the scheme.
     *
     * <p>Hand-written for the web: DJL 0.32 and later open a plain {@code http:} URL as a remote
     * model to call ({@code RpcRepository}), not as a repository, so DJL's {@code RemoteRepository}
     * is made here directly, on every DJL version.
     *
     * @param name the repository's name
     * @param url the repository's root
     * @return the repository
     */
    static Repository open(String name, String url) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("http") || scheme.equals("https") ? new HttpRepository(name, uri) : Repository.newInstance(name, url);
    }

    /** DJL's remote repository, whose constructor is protected in DJL 0.25 and public in 0.36. */
    private static final class HttpRepository extends RemoteRepository {

        HttpRepository(String name, URI uri) {
            super(name, uri);
        }
    }

    /**
     * Adds a model directory's weights to a repository.
     *
     * @param root the repository's root folder, created if needed
     * @param modelDir a model directory written by {@code dla import} or {@code dla train}
     * @param replace whether to replace weights of the same model already in the repository
     * @return the model that was published
     * @throws IOException if the model directory is not valid, the repository cannot be written, or
     *     it already holds the model and {@code replace} is false
     */
    public static ModelName publish(Path root, Path modelDir, boolean replace) throws IOException {
        ModelDirectory.check(modelDir);
        Properties serving = new Properties();
        try (Reader r = Files.newBufferedReader(modelDir.resolve(ModelDirectory.PROPERTIES), StandardCharsets.UTF_8)) {
            serving.load(r);
        }
        ModelName name = ModelName.parse(serving.getProperty(DlaBlockFactory.MODEL));
        if (!String.valueOf(name.dataset().getClasses()).equals(serving.getProperty("classes", ""))) {
            throw new IOException(modelDir + " has " + serving.getProperty("classes") + " classes, not the "
                    + name.dataset().getClasses() + " of " + name.dataset().getId()
                    + ": only weights for the standard classes can be published under " + name);
        }
        Path params = ModelDirectory.parameterFile(modelDir, null);
        String fileName = name + "-0000.params";

        Path variantDir = root.resolve(Catalog.variantPath(name.variant()));
        Path fileDir = variantDir.resolve(name.toString());
        Path metadataFile = variantDir.resolve("metadata.json");
        Metadata metadata = Files.isRegularFile(metadataFile) ? read(metadataFile) : Catalog.header(name.variant());
        List<Artifact> artifacts = new ArrayList<>(metadata.getArtifacts());
        if (artifacts.removeIf(a -> name.toString().equals(a.getName())) && !replace) {
            throw new FileAlreadyExistsException(metadataFile.toString(), null, "the repository already has " + name
                    + "; publish with --force (replace = true) to replace its weights");
        }
        Files.createDirectories(fileDir);
        Files.copy(params, fileDir.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);

        Artifact artifact = Catalog.artifact(name);
        for (String key : new String[] {"testTop1", "testTop5", "epoch"}) {
            if (serving.getProperty(key) != null) {
                artifact.getArguments().put(key, serving.getProperty(key));
            }
        }
        artifact.getFiles().put(Catalog.PARAMETERS, Catalog.item(artifact, name + "/" + fileName, fileName,
                DlaModelLoader.sha1(params), Files.size(params)));
        artifacts.add(artifact);
        metadata.setArtifacts(artifacts);
        Path tmp = variantDir.resolve("metadata.json.tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            JsonUtils.GSON_PRETTY.toJson(metadata, w);
        }
        Files.move(tmp, metadataFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return name;
    }

    private static Metadata read(Path file) throws IOException {
        Metadata metadata;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            metadata = JsonUtils.GSON.fromJson(r, Metadata.class);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(file + " is not a valid metadata.json (" + cause.getMessage()
                    + "): repair it or publish into a new repository", e);
        }
        if (metadata == null || metadata.getArtifacts() == null) {
            throw new IOException(file + " is not a valid metadata.json (it lists no artifacts)"
                    + ": repair it or publish into a new repository");
        }
        return metadata;
    }
}
