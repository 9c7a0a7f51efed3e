package org.attnzoo.zoo.weights;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Hugging Face Hub model repository, as timm names pretrained weights: {@code
 * hf-hub:ORG/NAME[@REVISION]}, e.g. {@code hf-hub:timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k}.
 * Its weights are the repository's {@code model.safetensors}, the file timm publishes and reads.
 *
 * @param org the owner, e.g. {@code timm}
 * @param name the repository, e.g. {@code vit_tiny_patch16_224.augreg_in21k_ft_in1k}
 * @param revision a branch, tag or commit; {@code main} by default
 */
public record HubId(String org, String name, String revision) {

  /** The prefix that marks a Hub id where a path or URL could stand (timm's spelling). */
  public static final String PREFIX = "hf-hub:";

  /** The file timm publishes in each repository. */
  public static final String FILE = "model.safetensors";

  /** The branch a bare id means. */
  public static final String MAIN = "main";

  // The Hub's rules for names, without "--" or ".." (which would be ambiguous in paths).
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94})");

  private static final String FORM =
      "expected hf-hub:ORG/NAME[@REVISION], e.g. hf-hub:timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k";

  /** Checks each part, so that none can reach outside its folder in the cache or its URL path. */
  public HubId {
    check("organisation", org);
    check("repository name", name);
    check("revision", revision);
  }

  private static void check(String what, String value) {
    if (value == null
        || !PART.matcher(value).matches()
        || value.contains("..")
        || value.contains("--")) {
      throw new IllegalArgumentException(
          "Hub id: the "
              + what
              + " '"
              + value
              + "' is not a Hub name (letters, digits, '.', '_' and '-', at most 96, no '..' or"
              + " '--'); "
              + FORM);
    }
  }

  /**
   * @param weights a weights argument
   * @return whether it is a Hub id ({@code hf-hub:...})
   */
  public static boolean isHubId(String weights) {
    return weights != null && weights.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
  }

  /**
   * @param reference {@code hf-hub:ORG/NAME[@REVISION]}
   * @return the id
   * @throws IllegalArgumentException saying what form is expected
   */
  public static HubId parse(String reference) {
    if (!isHubId(reference)) {
      throw new IllegalArgumentException("'" + reference + "' is not a Hub id: " + FORM);
    }
    return of(reference.substring(PREFIX.length()));
  }

  /**
   * @param id {@code ORG/NAME[@REVISION]} (timm's {@code hf_hub_id})
   * @return the id
   * @throws IllegalArgumentException saying what form is expected
   */
  public static HubId of(String id) {
    int at = id.indexOf('@');
    String repo = at < 0 ? id : id.substring(0, at);
    String revision = at < 0 ? MAIN : id.substring(at + 1);
    int slash = repo.indexOf('/');
    if (slash < 0 || repo.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException("'" + id + "' is not ORG/NAME: " + FORM);
    }
    return new HubId(repo.substring(0, slash), repo.substring(slash + 1), revision);
  }

  /**
   * The address of the repository's {@code model.safetensors}, as the Hub serves it ({@code
   * <endpoint>/<org>/<name>/resolve/<revision>/model.safetensors}).
   *
   * @param endpoint the Hub, e.g. {@code https://huggingface.co}
   * @return the file's URL
   */
  public URI fileUrl(URI endpoint) {
    String base = endpoint.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + "/" + org + "/" + name + "/resolve/" + revision + "/" + FILE);
  }

  /**
   * @param root the cache's folder for the Hub
   * @return where the file is kept: {@code <root>/<org>/<name>/<revision>/model.safetensors}
   */
  public Path cachePath(Path root) {
    return root.resolve(org).resolve(name).resolve(revision).resolve(FILE);
  }

  /**
   * The variant a timm repository holds weights of: timm names repositories {@code <model>.<tag>},
   * e.g. {@code vit_tiny_patch16_224} for {@code timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k}.
   *
   * @return the model name, lower case
   */
  public String modelName() {
    int dot = name.indexOf('.');
    return (dot < 0 ? name : name.substring(0, dot)).toLowerCase(Locale.ROOT);
  }

  /** {@code hf-hub:ORG/NAME}, with {@code @REVISION} unless it is {@code main}. */
  @Override
  public String toString() {
    return PREFIX + org + "/" + name + (MAIN.equals(revision) ? "" : "@" + revision);
  }
}
