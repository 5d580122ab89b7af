package ai.dla.zoo;

import ai.dla.network.Variant;

import ai.djl.Application;
import ai.djl.repository.Artifact;
import ai.djl.repository.License;
import ai.djl.repository.Metadata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The zoo's metadata, built in memory from the standard model names, {@code catalog.csv}
 * (parameters and multiply-accumulates of every network) and {@link DlaWeights}: one DJL {@link
 * Metadata} per variant, one {@link Artifact} per depth and dataset.
 */
final class Catalog {

    /** The version of every artifact. */
    static final String VERSION = "0.1.0";

    /** The license of the code and the shipped weights. */
    static final String LICENSE = "Apache-2.0";

    /** Where the license's text is. */
    static final String LICENSE_URL = "https://www.apache.org/licenses/LICENSE-2.0";

    /** The paper's page. */
    static final String WEBSITE = "https://arxiv.org/abs/2406.13392";

    /** The paper the networks come from. */
    static final String CITATION = "Wang, Y. et al. Strengthening Layer Interaction via Dynamic Layer"
            + " Attention. IJCAI 2024. arXiv:2406.13392";

    /** The key of an artifact's parameter file in its file map. */
    static final String PARAMETERS = "parameters";

    /** The class path folder of the shipped weights and synsets. */
    static final String RESOURCES = "/ai/dla/zoo/";

    private static final Map<ModelName, long[]> SIZES = readSizes();

    private Catalog() {}

    /**
     * Returns the standard models of a variant, those with shipped weights first: DJL takes the
     * first artifact that matches the filters, so a criteria with no filters gets shipped weights.
     *
     * @param variant the variant
     * @return the model names
     */
    static List<ModelName> names(Variant variant) {
        List<ModelName> names = new ArrayList<>();
        for (String s : ModelName.standardNames()) {
            ModelName name = ModelName.parse(s);
            if (name.variant() == variant) {
                names.add(name);
            }
        }
        names.sort(Comparator.comparing(n -> DlaWeights.of(n).isEmpty()));
        return names;
    }

    /**
     * Returns the trainable parameters of a standard model, from {@code catalog.csv}.
     *
     * @param name the model
     * @return the parameter count
     */
    static long parameters(ModelName name) {
        return sizes(name)[0];
    }

    /**
     * Returns the multiply-accumulates of one image at the training size, from {@code catalog.csv}.
     *
     * @param name the model
     * @return the multiply-accumulates
     */
    static long macs(ModelName name) {
        return sizes(name)[1];
    }

    /**
     * Returns the filter properties of a model: {@code layers} and {@code dataset}.
     *
     * @param name the model
     * @return the properties, in the order of the cache path
     */
    static Map<String, String> properties(ModelName name) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("layers", String.valueOf(name.depth()));
        properties.put("dataset", name.dataset().getId());
        return properties;
    }

    /**
     * Returns the arguments of a model's artifact: what the block and translator factories read,
     * and what a user needs to trust and use the weights.
     *
     * @param name the model
     * @return the arguments
     */
    static Map<String, Object> arguments(ModelName name) {
        DatasetProfile dataset = name.dataset();
        Map<String, Object> args = new LinkedHashMap<>(DlaBlockFactory.factoryArguments(name));
        args.put("width", dataset.getImageSize());
        args.put("height", dataset.getImageSize());
        args.put("channels", dataset.getChannels());
        args.put("mean", Preprocessing.join(dataset.getMean()));
        args.put("std", Preprocessing.join(dataset.getStd()));
        args.put("preprocessing", new Preprocessing(dataset).describe());
        args.put("synsetResource", dataset.getSynsetResource());
        args.put("parameters", parameters(name));
        args.put("macs", macs(name));
        args.put("license", LICENSE);
        args.put("citation", CITATION);
        DlaWeights.of(name).ifPresent(w -> {
            args.put("top1", w.getTop1());
            args.put("top5", w.getTop5());
            args.put("evaluation", w.getEvaluation());
            args.put("recipe", w.getRecipe());
            DlaWeights.Provenance p = w.getProvenance();
            args.put("bestTop1", p.bestTop1());
            args.put("bestEpoch", p.bestEpoch());
            args.put("seed", p.seed());
            args.put("epochs", p.epochs());
            args.put("trainingHours", p.hours());
            args.put("machine", p.machine());
        });
        return args;
    }

    /**
     * Builds the metadata of a variant, with an artifact for each standard model; shipped weights
     * appear as the artifact's {@code parameters} file with its SHA-1 and size.
     *
     * @param variant the variant
     * @return the metadata
     */
    static Metadata metadata(Variant variant) {
        Metadata metadata = header(variant);
        List<Artifact> artifacts = new ArrayList<>();
        for (ModelName name : names(variant)) {
            Artifact artifact = artifact(name);
            DlaWeights.of(name).ifPresent(w -> artifact.getFiles().put(PARAMETERS,
                    item(artifact, w.getFileName(), w.getFileName(), w.getSha1(), w.getSize())));
            artifact.setMetadata(metadata);
            artifacts.add(artifact);
        }
        metadata.setArtifacts(artifacts);
        return metadata;
    }

    /**
     * Builds the metadata of a variant without artifacts: what it is, its license, its place in a
     * repository.
     *
     * @param variant the variant
     * @return the metadata, with an empty artifact list
     */
    static Metadata header(Variant variant) {
        Metadata metadata = new Metadata();
        metadata.setMetadataVersion("0.2");
        metadata.setResourceType("model");
        metadata.setApplication(Application.CV.IMAGE_CLASSIFICATION);
        metadata.setGroupId(DlaModelZoo.GROUP_ID);
        metadata.setArtifactId(variant.getId());
        metadata.setName(variant.getId());
        metadata.setDescription(variant.getId() + " image classifiers on the bottleneck ResNet backbone");
        metadata.setWebsite(WEBSITE);
        License license = new License();
        license.setName(LICENSE);
        license.setUrl(LICENSE_URL);
        license.setId("apache");
        metadata.addLicense(license);
        metadata.setRepositoryUri(URI.create(variantPath(variant) + "/"));
        metadata.setArtifacts(new ArrayList<>());
        return metadata;
    }

    /**
     * Returns the path of a variant's folder in a repository.
     *
     * @param variant the variant
     * @return {@code model/cv/image_classification/ai/dla/zoo/<variant>}
     */
    static String variantPath(Variant variant) {
        return "model/" + Application.CV.IMAGE_CLASSIFICATION.getPath() + "/"
                + DlaModelZoo.GROUP_ID.replace('.', '/') + "/" + variant.getId();
    }

    /**
     * Builds a model's artifact: its version, name, filter properties and arguments, and no files.
     *
     * @param name the model
     * @return the artifact, with an empty, modifiable file map
     */
    static Artifact artifact(ModelName name) {
        Artifact artifact = new Artifact();
        artifact.setVersion(VERSION);
        artifact.setName(name.toString());
        artifact.setProperties(properties(name));
        artifact.setArguments(arguments(name));
        artifact.setFiles(new LinkedHashMap<>());
        return artifact;
    }

    /**
     * Builds a file entry of an artifact.
     *
     * @param artifact the artifact it belongs to
     * @param uri the file's place, relative to the variant's folder or the jar's weights folder
     * @param fileName the file's name in DJL's cache
     * @param sha1 its SHA-1, lower-case hex
     * @param size its size in bytes
     * @return the entry
     */
    static Artifact.Item item(Artifact artifact, String uri, String fileName, String sha1, long size) {
        Artifact.Item item = new Artifact.Item();
        item.setUri(uri);
        item.setName(fileName);
        item.setSha1Hash(sha1);
        item.setSize(size);
        item.setArtifact(artifact);
        return item;
    }

    private static long[] sizes(ModelName name) {
        long[] sizes = SIZES.get(name);
        if (sizes == null) {
            throw new IllegalStateException("catalog.csv has no row for " + name);
        }
        return sizes;
    }

    private static Map<ModelName, long[]> readSizes() {
        Map<ModelName, long[]> sizes = new LinkedHashMap<>();
        try (InputStream is = Catalog.class.getResourceAsStream(RESOURCES + "catalog.csv")) {
            if (is == null) {
                throw new IllegalStateException("catalog.csv is missing from the dla-zoo jar");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(is, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                String[] f = line.split(",");
                if (f.length == 3 && !"model".equals(f[0])) {
                    sizes.put(ModelName.parse(f[0]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sizes;
    }
}
