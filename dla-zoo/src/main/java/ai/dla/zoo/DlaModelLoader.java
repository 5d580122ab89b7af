package ai.dla.zoo;

import ai.dla.network.DlaResNet;
import ai.dla.network.Variant;

import ai.djl.Application;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Repository;
import ai.djl.repository.zoo.BaseModelLoader;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Utils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Loads one variant's models for {@code Criteria}: shipped weights from the jar, other weights
 * from the repository that {@link DlaModelZoo#REPOSITORY_PROPERTY} names, or the untrained network
 * when the argument {@code pretrained} is {@code false}.
 */
final class DlaModelLoader extends BaseModelLoader {

    /** The argument that asks for the untrained network. */
    static final String PRETRAINED = "pretrained";

    private final Variant variant;

    DlaModelLoader(CatalogRepository repository, Variant variant) {
        super(MRL.model(repository, Application.CV.IMAGE_CLASSIFICATION, DlaModelZoo.GROUP_ID,
                variant.getId(), Catalog.VERSION, null));
        this.variant = variant;
    }

    @Override
    public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
            throws IOException, ModelNotFoundException, MalformedModelException {
        Map<String, String> filters = criteria.getFilters() == null ? Map.of() : criteria.getFilters();
        Artifact artifact = mrl.match(filters);
        if (artifact == null) {
            throw new ModelNotFoundException(noMatch(filters));
        }
        ModelName name = ModelName.parse(artifact.getName());
        Map<String, Object> arguments = new LinkedHashMap<>(Catalog.arguments(name));
        if (criteria.getArguments() != null) {
            arguments.putAll(criteria.getArguments());
        }
        if (!ArgumentsUtil.booleanValue(arguments, PRETRAINED, true)) {
            return zooModel(criteria, name, arguments, null);
        }
        if (DlaWeights.of(name).isPresent()) {
            return zooModel(criteria, name, arguments, prepare(mrl, artifact, criteria));
        }
        String url = DlaModelZoo.repositoryUrl();
        if (url == null) {
            throw new WeightsNotAvailableException(unavailable(name, null));
        }
        Repository remote = WeightsRepository.open("dla-weights", url);
        MRL remoteMrl = remote.model(Application.CV.IMAGE_CLASSIFICATION, DlaModelZoo.GROUP_ID, variant.getId());
        Artifact found = remoteMrl.match(Catalog.properties(name));
        if (found == null) {
            throw new WeightsNotAvailableException(unavailable(name, url));
        }
        return zooModel(criteria, name, arguments, prepare(remoteMrl, found, criteria));
    }

    /**
     * Brings an artifact's files into DJL's cache (copied from the jar or downloaded, replacing a
     * damaged cached copy) and checks their SHA-1.
     *
     * @return the parameter file
     */
    private static Path prepare(MRL mrl, Artifact artifact, Criteria<?, ?> criteria) throws IOException {
        Repository repository = mrl.getRepository();
        verifyCached(repository, artifact);
        mrl.prepare(artifact, criteria.getProgress());
        verify(repository, artifact);
        Artifact.Item parameters = artifact.getFiles().get("parameters");
        if (parameters == null) {
            throw new IOException("The metadata of " + artifact.getName() + " in " + repository.getBaseUri()
                    + " lists no 'parameters' file");
        }
        return repository.getResourceDirectory(artifact).resolve(parameters.getName());
    }

    /**
     * Builds the zoo model: the network the arguments describe, its parameters read from the file
     * (or initialised when there is none) and the criteria's translator, or the DLA translator. DJL's {@code BaseModelLoader} is
     * not used: its {@code Model.load} leaks a directory handle per load (see {@link ParameterFile}).
     */
    private static <I, O> ZooModel<I, O> zooModel(Criteria<I, O> criteria, ModelName name,
            Map<String, Object> arguments, Path parameters) throws IOException, ModelNotFoundException,
            MalformedModelException {
        Model model = Model.newInstance(name.toString(), criteria.getDevice(), "PyTorch");
        try {
            DlaResNet net = (DlaResNet) new DlaBlockFactory().newBlock(model, null, arguments);
            model.setBlock(net);
            if (parameters == null) {
                int size = name.dataset().getImageSize();
                net.initialize(model.getNDManager(), DataType.FLOAT32,
                        new Shape(1, net.getConfig().inputChannels(), size, size));
            } else {
                ParameterFile.read(parameters, model);
            }
            arguments.forEach((k, v) -> model.setProperty(k, String.valueOf(v)));
            TranslatorFactory given = criteria.getTranslatorFactory();
            TranslatorFactory factory = given != null && given.isSupported(criteria.getInputClass(),
                    criteria.getOutputClass()) ? given : new DlaTranslatorFactory();
            Translator<I, O> translator =
                    factory.newInstance(criteria.getInputClass(), criteria.getOutputClass(), model, arguments);
            return new ZooModel<>(model, translator);
        } catch (TranslateException e) {
            model.close();
            throw new ModelNotFoundException(e.getMessage(), e);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Checks a cached copy of an artifact's files and removes it if damaged, so DJL fetches it again. */
    private static void verifyCached(Repository repository, Artifact artifact) throws IOException {
        Path dir = repository.getResourceDirectory(artifact);
        if (Files.isDirectory(dir)) {
            try {
                verify(repository, artifact);
            } catch (IOException e) {
                Utils.deleteQuietly(dir);
            }
        }
    }

    /** Checks the SHA-1 of every file of a prepared artifact that has one. */
    private static void verify(Repository repository, Artifact artifact) throws IOException {
        Path dir = repository.getResourceDirectory(artifact);
        for (Artifact.Item item : artifact.getFiles().values()) {
            Path file = dir.resolve(item.getName());
            if (item.getSha1Hash() == null || !Files.isRegularFile(file)) {
                continue;
            }
            String actual = sha1(file);
            if (!actual.equalsIgnoreCase(item.getSha1Hash())) {
                throw new IOException("The weights file " + file + " has SHA-1 " + actual + " but its metadata says "
                        + item.getSha1Hash() + ": the file is damaged or was replaced; delete it and load again");
            }
        }
    }

    /**
     * Returns the SHA-1 of a file in lower-case hex.
     *
     * @param file the file
     * @return the hash
     * @throws IOException if the file cannot be read
     */
    static String sha1(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream is = Files.newInputStream(file)) {
            for (int n = is.read(buffer); n > 0; n = is.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private String noMatch(Map<String, String> filters) {
        Map<String, List<String>> layers = new TreeMap<>();
        for (ModelName n : Catalog.names(variant)) {
            layers.computeIfAbsent(n.dataset().getId(), k -> new ArrayList<>()).add(String.valueOf(n.depth()));
        }
        String valid = layers.entrySet().stream()
                .map(e -> "dataset=" + e.getKey() + " with layers " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
        return String.format(Locale.ROOT, "The zoo has no %s model with %s. Valid filters: %s",
                variant.getId(), new HashMap<>(filters), valid);
    }

    private static String unavailable(ModelName name, String url) {
        String where = url == null
                ? "No pretrained weights for " + name + " ship with dla-zoo, and no weights repository is set"
                : "The weights repository " + url + " has no " + name;
        return where + ". To get them:\n"
                + "  * train them: dla train --model " + name + " (then load runs/" + name
                + "/best with Criteria.optModelPath)\n"
                + "  * import the authors' PyTorch checkpoint: dla import --model " + name + " --weights FILE.npz"
                + " --out DIR (then Criteria.optModelPath(DIR))\n"
                + "  * point -D" + DlaModelZoo.REPOSITORY_PROPERTY + "=URL or the environment variable "
                + DlaModelZoo.REPOSITORY_ENV + " at a repository that has them\n"
                + "  * or ask for the untrained network: optArgument(\"pretrained\", \"false\")";
    }
}
