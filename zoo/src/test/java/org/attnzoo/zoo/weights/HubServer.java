package org.attnzoo.zoo.weights;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the Hugging Face Hub on the loopback address, with the Hub's file layout and
 * headers: {@code GET /<org>/<name>/resolve/<revision>/model.safetensors} answers 302 to the
 * storage with the file's SHA-256 in {@code X-Linked-Etag}, as the Hub does for Git LFS files, and
 * the storage serves the bytes. Plain files (for URL downloads) are served at their path with a
 * non-SHA-256 {@code ETag}, as web servers send. Every request path is recorded.
 */
public final class HubServer implements AutoCloseable {

  private final HttpServer server;
  private final Map<String, byte[]> repositories = new ConcurrentHashMap<>();
  private final Map<String, String> announced = new ConcurrentHashMap<>();
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /**
   * Starts the server on a free port of the loopback address.
   *
   * @throws IOException if it cannot bind
   */
  public HubServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * @return the server's address, to use as {@code HF_ENDPOINT}
   */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Publishes a repository's {@code model.safetensors}.
   *
   * @param repo {@code ORG/NAME}
   * @param bytes the file
   */
  public void publish(String repo, byte[] bytes) {
    repositories.put(repo, bytes);
    announced.put(repo, sha256(bytes));
  }

  /**
   * Makes the Hub announce another SHA-256 than the file's: a damaged transfer as the client sees
   * it.
   *
   * @param repo {@code ORG/NAME}
   * @param sha256 the value to announce
   */
  public void announce(String repo, String sha256) {
    announced.put(repo, sha256);
  }

  /**
   * Serves a plain file at a path.
   *
   * @param path e.g. {@code /files/w.safetensors}
   * @param bytes the file
   */
  public void serve(String path, byte[] bytes) {
    files.put(path, bytes);
  }

  /**
   * @return the paths requested so far, in order
   */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /**
   * @param bytes data
   * @return its SHA-256 in lower-case hex
   */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.add(path);
    String[] parts = path.split("/");
    // "", org, name, "resolve", revision, file
    if (parts.length == 6 && parts[3].equals("resolve") && parts[5].equals("model.safetensors")) {
      String repo = parts[1] + "/" + parts[2];
      if (repositories.containsKey(repo)) {
        exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + announced.get(repo) + "\"");
        exchange
            .getResponseHeaders()
            .add("X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567");
        exchange.getResponseHeaders().add("Location", endpoint() + "/storage/" + repo);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
        return;
      }
    }
    byte[] body =
        path.startsWith("/storage/")
            ? repositories.get(path.substring("/storage/".length()))
            : files.get(path);
    if (body == null) {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
      return;
    }
    if (!path.startsWith("/storage/")) {
      exchange.getResponseHeaders().add("ETag", "\"5f3c-61a2b1f0\"");
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
