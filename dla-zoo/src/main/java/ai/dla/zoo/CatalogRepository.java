package ai.dla.zoo;

import ai.dla.network.Variant;

import ai.djl.Application;
import ai.djl.repository.AbstractRepository;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Metadata;
import ai.djl.repository.VersionRange;
import ai.djl.util.Progress;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DJL repository of the zoo: metadata from {@link Catalog}, files from the {@code dla-zoo}
 * jar. DJL copies the files into its cache ({@code $DJL_CACHE_DIR/cache/repo/model/...}) and
 * checks their SHA-1 on the way, as for a download; nothing touches the network.
 */
final class CatalogRepository extends AbstractRepository {

    private final Map<String, Metadata> metadata = new ConcurrentHashMap<>();

    CatalogRepository() {
        super(DlaModelZoo.GROUP_ID, URI.create("classpath:" + Catalog.RESOURCES));
    }

    @Override
    public boolean isRemote() {
        return true;
    }

    @Override
    public Metadata locate(MRL mrl) {
        return metadata.computeIfAbsent(mrl.getArtifactId(), id -> Catalog.metadata(Variant.fromId(id)));
    }

    @Override
    public Artifact resolve(MRL mrl, Map<String, String> filter) {
        List<Artifact> found = locate(mrl).search(VersionRange.parse(mrl.getVersion()), filter);
        return found.isEmpty() ? null : found.get(0);
    }

    @Override
    public List<MRL> getResources() {
        List<MRL> mrls = new ArrayList<>();
        for (Variant v : Variant.values()) {
            mrls.add(model(Application.CV.IMAGE_CLASSIFICATION, DlaModelZoo.GROUP_ID, v.getId(), Catalog.VERSION));
        }
        return mrls;
    }

    @Override
    protected void download(Path tmp, URI baseUri, Artifact.Item item, Progress progress) throws IOException {
        String resource = Catalog.RESOURCES + "weights/" + item.getUri();
        try (InputStream is = CatalogRepository.class.getResourceAsStream(resource)) {
            if (is == null) {
                throw new WeightsNotAvailableException("The dla-zoo jar lacks " + resource
                        + ", which its catalog lists: the jar is damaged; rebuild or download it again");
            }
            save(is, tmp, item, progress);
        }
    }
}
