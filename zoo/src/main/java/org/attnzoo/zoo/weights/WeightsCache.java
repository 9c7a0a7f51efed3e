package org.attnzoo.zoo.weights;

import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.attnzoo.zoo.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a weights argument into a local file: a path stays a path, a {@code file:} URL becomes one,
 * and {@code http(s)} URLs and Hub ids ({@link HubId}) are downloaded once into DJL's cache folder
 * ({@code Utils.getCacheDir()}, {@code DJL_CACHE_DIR}) and read from there afterwards, without the
 * network:
 *
 * <ul>
 *   <li>{@code <cache>/attnzoo/hub/<org>/<name>/<revision>/model.safetensors} for a Hub id;
 *   <li>{@code <cache>/attnzoo/url/<first 16 hex digits of the URL's SHA-256>/<file name>} for a
 *       URL.
 * </ul>
 *
 * <p>A download goes to a temporary file that is renamed into place only once complete and
 * verified: its SHA-256 must equal the one the Hub announces for the file (its {@code
 * X-Linked-Etag}, or an {@code ETag} of 64 hex digits), and its length the {@code Content-Length}.
 * The SHA-256 is kept beside it ({@code model.safetensors.sha256}, the format of {@code sha256sum},
 * so {@code sha256sum -c} checks the cache by hand). With DJL's offline mode ({@code
 * DJL_OFFLINE=true} or {@code -Dai.djl.offline=true}) nothing is downloaded: a file not in the
 * cache is an error that names the file, the cache path and how to get it.
 *
 * <p>The Hub's address is {@code https://huggingface.co} unless {@code HF_ENDPOINT} (environment
 * variable, or system property of that name) says otherwise, as for Hugging Face's own clients: a
 * mirror, or a server on the loopback address in tests.
 */
public final class WeightsCache {

  /** The variable naming the Hub's address, as Hugging Face's clients read it. */
  public static final String ENDPOINT_VARIABLE = "HF_ENDPOINT";

  /** The Hugging Face Hub. */
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  /** Suffix of the file that holds a download's SHA-256. */
  public static final String CHECKSUM_SUFFIX = ".sha256";

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
  private static final Logger LOG = LoggerFactory.getLogger(WeightsCache.class);

  private final Path root;
  private final URI endpoint;
  private final boolean offline;

  /**
   * @param root the cache folder of attnzoo's downloads
   * @param endpoint the Hub's address
   * @param offline true to use only what the cache holds
   * @throws IllegalArgumentException if the endpoint is not an http(s) address
   */
  public WeightsCache(Path root, URI endpoint, boolean offline) {
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme();
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      throw new IllegalArgumentException(
          ENDPOINT_VARIABLE
              + " '"
              + endpoint
              + "' is not an http(s) address, e.g. "
              + DEFAULT_ENDPOINT);
    }
    this.root = root;
    this.endpoint = endpoint;
    this.offline = offline;
  }

  /**
   * The cache as DJL's settings make it: {@code Utils.getCacheDir()}, {@code HF_ENDPOINT} and
   * {@code Utils.isOfflineMode()}, read at each call.
   *
   * @return the cache
   */
  public static WeightsCache fromEnvironment() {
    return new WeightsCache(
        Utils.getCacheDir().resolve("attnzoo"),
        URI.create(Utils.getEnvOrSystemProperty(ENDPOINT_VARIABLE, DEFAULT_ENDPOINT)),
        Utils.isOfflineMode());
  }

  /**
   * @param weights a path, a {@code file:} URL, an {@code http(s)} URL or a Hub id
   * @return a local file (a path is returned as it is, even if nothing is there)
   * @throws IOException if a download fails or is not allowed offline
   */
  public Path resolve(String weights) throws IOException {
    if (HubId.isHubId(weights)) {
      return hub(HubId.parse(weights));
    }
    String lower = weights.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      return Path.of(URI.create(weights));
    }
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      return url(URI.create(weights));
    }
    return Path.of(weights);
  }

  /**
   * @param id a Hub repository
   * @return its {@code model.safetensors}, from the cache or downloaded into it
   * @throws IOException if the download fails or is not allowed offline
   */
  public Path hub(HubId id) throws IOException {
    return fetch(id.fileUrl(endpoint), cachePath(id), id.toString());
  }

  /**
   * @param url an http(s) address of a weights file
   * @return the file, from the cache or downloaded into it
   * @throws IOException if the download fails or is not allowed offline
   */
  public Path url(URI url) throws IOException {
    return fetch(url, cachePath(url), url.toString());
  }

  /**
   * @param id a Hub repository
   * @return where its {@code model.safetensors} is kept
   */
  public Path cachePath(HubId id) {
    return id.cachePath(root.resolve("hub"));
  }

  /**
   * @param url an address
   * @return where the file at it is kept: a folder per address, the file under its own name
   */
  public Path cachePath(URI url) {
    String path = url.getPath() == null ? "" : url.getPath();
    String name = UNSAFE.matcher(path.substring(path.lastIndexOf('/') + 1)).replaceAll("_");
    if (name.isEmpty() || name.startsWith(".")) {
      name = "weights" + name;
    }
    String key = HexFormat.of().formatHex(sha256(url.toString())).substring(0, 16);
    return root.resolve("url").resolve(key).resolve(name);
  }

  /**
   * @param file a file of the cache
   * @return whether it is there with its checksum, i.e. was downloaded whole and verified
   */
  public static boolean isCached(Path file) {
    return Files.isRegularFile(file) && Files.isRegularFile(checksumFile(file));
  }

  /**
   * @param file a file of the cache
   * @return the file holding its SHA-256
   */
  public static Path checksumFile(Path file) {
    return file.resolveSibling(file.getFileName() + CHECKSUM_SUFFIX);
  }

  private Path fetch(URI source, Path target, String what) throws IOException {
    if (isCached(target)) {
      return target;
    }
    if (offline) {
      throw new IOException(
          what
              + " is not in the cache ("
              + target
              + ") and DJL's offline mode (DJL_OFFLINE=true or -Dai.djl.offline=true) forbids"
              + " downloading it from "
              + source
              + ". Run once with DJL_OFFLINE=false to download it into the cache, or download"
              + " it yourself and pass its path as the weights");
    }
    Files.createDirectories(target.getParent());
    LOG.info("Downloading {} from {} to {}", what, source, target);
    HttpResponse<InputStream> response = send(source, what);
    String digest;
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException(
            "cannot download "
                + what
                + ": "
                + source
                + " answered HTTP "
                + response.statusCode()
                + (response.statusCode() == 404 || response.statusCode() == 401
                    ? " (no such file: check the name, and that the repository is public)"
                    : ""));
      }
      Optional<String> announced = announcedSha256(response);
      long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      digest = download(body, target, what, announced, length);
    }
    AtomicFiles.writeLines(checksumFile(target), List.of(digest + "  " + target.getFileName()));
    LOG.info("Downloaded {} ({} bytes) to {}", what, Files.size(target), target);
    return target;
  }

  private static HttpResponse<InputStream> send(URI source, String what) throws IOException {
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30));
    ProxySelector proxy = ProxySelector.getDefault();
    if (proxy != null) {
      client.proxy(proxy);
    }
    HttpRequest request =
        HttpRequest.newBuilder(source)
            .timeout(Duration.ofMinutes(2))
            .header("User-Agent", "attnzoo")
            .GET()
            .build();
    try {
      return client.build().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException io =
          new InterruptedIOException("download of " + what + " interrupted");
      io.initCause(e);
      throw io;
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(
          "cannot download "
              + what
              + " from "
              + source
              + " ("
              + e
              + "); check the address and the network ("
              + ENDPOINT_VARIABLE
              + " names the Hub's address), or download the file yourself and pass its path",
          e);
    }
  }

  /**
   * Writes the body to the target atomically while hashing it; the temporary file is dropped, and
   * the target left as it was, when the length or the SHA-256 differs from what was announced.
   */
  private static String download(
      InputStream body, Path target, String what, Optional<String> sha256, long length)
      throws IOException {
    MessageDigest sha = newSha256();
    long[] written = {0};
    String[] digest = new String[1];
    AtomicFiles.write(
        target,
        ch -> {
          byte[] buffer = new byte[1 << 16];
          for (int n; (n = body.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
            while (chunk.hasRemaining()) {
              ch.write(chunk);
            }
            written[0] += n;
          }
          if (length >= 0 && written[0] != length) {
            throw new IOException(
                "download of "
                    + what
                    + " ended after "
                    + written[0]
                    + " of "
                    + length
                    + " bytes; try again");
          }
          String actual = HexFormat.of().formatHex(sha.digest());
          if (sha256.isPresent() && !sha256.get().equals(actual)) {
            throw new IOException(
                "download of "
                    + what
                    + " is damaged: its SHA-256 is "
                    + actual
                    + ", the server announced "
                    + sha256.get()
                    + "; nothing was kept, try again");
          }
          digest[0] = actual;
        });
    return digest[0];
  }

  /**
   * The SHA-256 the server announces for the file: the Hub sends it for files stored with Git LFS
   * (as timm's weights are) in {@code X-Linked-Etag} on its redirect to the storage, or in {@code
   * ETag} when it serves the file itself. Other entity tags (a Git object id, a CDN's own) are not
   * a SHA-256 of the content and are ignored.
   */
  static Optional<String> announcedSha256(HttpResponse<?> response) {
    List<HttpResponse<?>> chain = new ArrayList<>();
    for (HttpResponse<?> r = response; r != null; r = r.previousResponse().orElse(null)) {
      chain.add(0, r);
    }
    for (HttpResponse<?> r : chain) {
      Optional<String> linked = r.headers().firstValue("X-Linked-Etag").map(WeightsCache::tag);
      if (linked.isPresent() && SHA256.matcher(linked.get()).matches()) {
        return linked;
      }
    }
    return chain
        .get(0)
        .headers()
        .firstValue("ETag")
        .map(WeightsCache::tag)
        .filter(t -> SHA256.matcher(t).matches());
  }

  // An entity tag without its weak marker and quotes, lower case.
  private static String tag(String etag) {
    String t = etag.trim();
    if (t.startsWith("W/")) {
      t = t.substring(2);
    }
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      t = t.substring(1, t.length() - 1);
    }
    return t.toLowerCase(Locale.ROOT);
  }

  private static byte[] sha256(String text) {
    return newSha256().digest(text.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
