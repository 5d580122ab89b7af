package ai.dla.zoo;

import ai.dla.resnet.ModelName;

import ai.djl.Application;
import ai.djl.util.JsonUtils;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

        Path variantDir = root.resolve("model").resolve(Application.CV.IMAGE_CLASSIFICATION.getPath())
                .resolve(DlaModelZoo.GROUP_ID.replace('.', '/')).resolve(name.variant().getId());
        Path fileDir = variantDir.resolve(name.toString());
        Path metadataFile = variantDir.resolve("metadata.json");
        JsonObject metadata = Files.isRegularFile(metadataFile) ? read(metadataFile) : header(name);
        boolean present = false;
        for (JsonElement existing : metadata.getAsJsonArray("artifacts")) {
            present |= name.toString().equals(existing.getAsJsonObject().get("name").getAsString());
        }
        if (present && !replace) {
            throw new FileAlreadyExistsException(metadataFile.toString(), null, "the repository already has " + name
                    + "; publish with --force (replace = true) to replace its weights");
        }
        Files.createDirectories(fileDir);
        Files.copy(params, fileDir.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);

        JsonObject artifact = new JsonObject();
        artifact.addProperty("version", Catalog.VERSION);
        artifact.addProperty("snapshot", false);
        artifact.addProperty("name", name.toString());
        artifact.add("properties", JsonUtils.GSON.toJsonTree(Catalog.properties(name)));
        JsonObject arguments = JsonUtils.GSON.toJsonTree(Catalog.arguments(name)).getAsJsonObject();
        for (String key : new String[] {"testTop1", "testTop5", "epoch"}) {
            if (serving.getProperty(key) != null) {
                arguments.addProperty(key, serving.getProperty(key));
            }
        }
        artifact.add("arguments", arguments);
        JsonObject item = new JsonObject();
        item.addProperty("uri", name + "/" + fileName);
        item.addProperty("name", fileName);
        item.addProperty("sha1Hash", DlaModelLoader.sha1(params));
        item.addProperty("size", Files.size(params));
        JsonObject files = new JsonObject();
        files.add("parameters", item);
        artifact.add("files", files);

        JsonArray artifacts = new JsonArray();
        for (JsonElement existing : metadata.getAsJsonArray("artifacts")) {
            if (!name.toString().equals(existing.getAsJsonObject().get("name").getAsString())) {
                artifacts.add(existing);
            }
        }
        artifacts.add(artifact);
        metadata.add("artifacts", artifacts);
        Path tmp = variantDir.resolve("metadata.json.tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            JsonUtils.GSON_PRETTY.toJson(metadata, w);
        }
        Files.move(tmp, metadataFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return name;
    }

    private static JsonObject header(ModelName name) {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("metadataVersion", "0.2");
        metadata.addProperty("resourceType", "model");
        metadata.addProperty("application", Application.CV.IMAGE_CLASSIFICATION.getPath());
        metadata.addProperty("groupId", DlaModelZoo.GROUP_ID);
        metadata.addProperty("artifactId", name.variant().getId());
        metadata.addProperty("name", name.variant().getId());
        metadata.addProperty("website", "https://arxiv.org/abs/2406.13392");
        JsonObject license = new JsonObject();
        license.addProperty("name", Catalog.LICENSE);
        license.addProperty("url", "https://www.apache.org/licenses/LICENSE-2.0");
        JsonObject licenses = new JsonObject();
        licenses.add("license", license);
        metadata.add("licenses", licenses);
        metadata.add("artifacts", new JsonArray());
        return metadata;
    }

    private static JsonObject read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(file + " is not a valid metadata.json (" + cause.getMessage()
                    + "): repair it or publish into a new repository", e);
        }
    }
}
