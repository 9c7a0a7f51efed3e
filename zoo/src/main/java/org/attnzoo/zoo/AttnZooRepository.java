package org.attnzoo.zoo;

import ai.djl.Application;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Metadata;
import ai.djl.repository.Repository;
import ai.djl.util.Progress;
import ai.djl.util.Utils;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attnzoo.backbones.vit.VitConfig;

/**
 * The zoo's metadata as a DJL {@link Repository}, so that {@link MRL#listArtifacts()}, {@link
 * MRL#getDefaultArtifact()} and {@link MRL#match(Map)} work on attnzoo's MRLs as on DJL's own zoos.
 * Nothing is downloaded: the index is the variant table and {@code weights/shipped.tsv}, and the
 * shipped weights are resources of the zoo jar.
 *
 * <p>Each variant has one artifact per shipped model (named {@code <variant>-<dataset>}, most
 * accurate first, so the default artifact of a variant with shipped weights is one of them) and one
 * artifact for the bare architecture (named after the variant, no {@code dataset} property: weights
 * come from the caller). Every artifact carries the {@linkplain #PROPERTIES properties} that {@code
 * Criteria.optFilter} matches.
 */
final class AttnZooRepository implements Repository {

  /** Property keys of every artifact, for {@code optFilter} and for messages. */
  static final List<String> PROPERTIES =
      List.of("variant", "family", "mechanism", "inputSize", "params", "shipped", "dataset");

  static final AttnZooRepository INSTANCE = new AttnZooRepository();

  private final Map<String, Metadata> metadata = new LinkedHashMap<>();

  private AttnZooRepository() {
    for (Variant v : Variants.ALL) {
      metadata.put(v.name(), metadata(v));
    }
  }

  /**
   * @param variant a variant of the table
   * @return its MRL, backed by this repository
   */
  MRL mrl(Variant variant) {
    return model(Application.CV.IMAGE_CLASSIFICATION, AttnZoo.GROUP_ID, variant.name());
  }

  /**
   * @param variant a variant name
   * @return its artifacts: shipped models first (most accurate first), then the architecture
   */
  List<Artifact> artifacts(String variant) {
    Metadata m = metadata.get(variant);
    return m == null ? List.of() : m.getArtifacts();
  }

  /**
   * @return every artifact of the zoo, in variant-table order
   */
  List<Artifact> allArtifacts() {
    List<Artifact> out = new ArrayList<>();
    metadata.values().forEach(m -> out.addAll(m.getArtifacts()));
    return out;
  }

  /**
   * The token mixer, named as the variant table and the papers name it, so that a user can ask for
   * "every model with linear attention" with one filter.
   */
  static String mechanism(Variant v) {
    if (v.config() instanceof VitConfig vit) {
      return vit.layers() instanceof org.attnzoo.backbones.tosa.TosaLayers
          ? "tosa"
          : vit.attention().key();
    }
    return switch (v.family()) {
      case "swin" -> "window";
      case "edgenext" -> "sdta";
      case "swiftformer" -> "additive";
      case "efficientvit" -> "litemla";
      case "conv2former" -> "convmod";
      default -> v.family();
    };
  }

  private static Metadata metadata(Variant v) {
    Metadata m = new Metadata();
    m.setGroupId(AttnZoo.GROUP_ID);
    m.setArtifactId(v.name());
    m.setName(v.name());
    m.setApplication(Application.CV.IMAGE_CLASSIFICATION);
    m.setDescription(v.family() + " backbone; reference figures: " + v.reference().source());
    m.setRepositoryUri(URI.create("model/cv/image_classification/org/attnzoo/" + v.name() + "/"));
    List<Artifact> artifacts = new ArrayList<>();
    ShippedModels.all().stream()
        .filter(s -> s.variant().equals(v.name()))
        .sorted(Comparator.comparingDouble(ShippedModels.Shipped::testAccuracy).reversed())
        .forEach(s -> artifacts.add(shipped(v, s)));
    Artifact bare = new Artifact();
    bare.setName(v.name());
    bare.setProperties(properties(v, null));
    artifacts.add(bare);
    for (Artifact a : artifacts) {
      a.setMetadata(m);
    }
    m.setArtifacts(artifacts);
    return m;
  }

  private static Artifact shipped(Variant v, ShippedModels.Shipped s) {
    Artifact a = new Artifact();
    a.setName(v.name() + "-" + s.dataset());
    Map<String, String> props = properties(v, s.dataset());
    props.put("testAccuracy", String.valueOf(s.testAccuracy()));
    a.setProperties(props);
    Artifact.Item item = new Artifact.Item();
    item.setName(s.resource().substring(s.resource().lastIndexOf('/') + 1));
    item.setUri(s.resource());
    item.setType("file");
    item.setSize(-1);
    a.setFiles(new LinkedHashMap<>(Map.of(item.getName(), item)));
    return a;
  }

  private static Map<String, String> properties(Variant v, String dataset) {
    int[] size = v.data().inputSize();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("variant", v.name());
    p.put("family", v.family());
    p.put("mechanism", mechanism(v));
    p.put("inputSize", size[0] + "x" + size[1] + "x" + size[2]);
    p.put("params", String.valueOf(v.reference().params()));
    p.put("shipped", String.valueOf(dataset != null));
    if (dataset != null) {
      p.put("dataset", dataset);
    }
    return p;
  }

  @Override
  public boolean isRemote() {
    return false;
  }

  @Override
  public String getName() {
    return "attnzoo";
  }

  @Override
  public URI getBaseUri() {
    return URI.create("classpath:/");
  }

  @Override
  public Metadata locate(MRL mrl) {
    return metadata.get(mrl.getArtifactId());
  }

  @Override
  public Artifact resolve(MRL mrl, Map<String, String> filter) {
    Metadata m = locate(mrl);
    if (m == null) {
      return null;
    }
    return m.getArtifacts().stream().filter(a -> a.hasProperties(filter)).findFirst().orElse(null);
  }

  @Override
  public InputStream openStream(Artifact.Item item, String path) throws IOException {
    InputStream in = AttnZooRepository.class.getResourceAsStream(item.getUri());
    if (in == null) {
      throw new FileNotFoundException(
          "the attnzoo jar lacks " + item.getUri() + ", listed in " + ShippedModels.INDEX);
    }
    return in;
  }

  @Override
  public Path getFile(Artifact.Item item, String path) throws IOException {
    throw new IOException(
        item.getUri()
            + " is a resource inside the attnzoo jar, not a file: read it with openStream, or load"
            + " it with Criteria and optFilter(\"dataset\", ...)");
  }

  @Override
  public String[] listDirectory(Artifact.Item item, String path) {
    return new String[0];
  }

  @Override
  public void prepare(Artifact artifact, Progress progress) {
    // Everything is in the jar: nothing to download.
  }

  @Override
  public Path getCacheDirectory() {
    return Utils.getCacheDir().resolve("cache/repo");
  }

  @Override
  public List<MRL> getResources() {
    List<MRL> out = new ArrayList<>();
    Variants.ALL.forEach(v -> out.add(mrl(v)));
    return out;
  }

  @Override
  public void addResource(MRL mrl) {
    throw new IllegalArgumentException(
        "the attnzoo repository lists the variant table only; it cannot add " + mrl);
  }
}
