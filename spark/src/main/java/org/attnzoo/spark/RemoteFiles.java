package org.attnzoo.spark;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Files named by a Hadoop file-system URI ({@code hdfs://}, {@code s3a://}, {@code abfs://}, ...):
 * the weights on a cluster, and images named by a path column. Local paths, {@code file:} and
 * {@code http(s):} URLs are left to the zoo's own loaders.
 */
final class RemoteFiles {

  private RemoteFiles() {}

  /**
   * @param location a path or URI
   * @return whether Hadoop's file systems, not the local disk or HTTP, serve it
   */
  static boolean isHadoop(String location) {
    int colon = location.indexOf("://");
    if (colon <= 1) { // no scheme, or a Windows drive letter
      return false;
    }
    String scheme = location.substring(0, colon).toLowerCase(Locale.ROOT);
    return !scheme.equals("file") && !scheme.equals("http") && !scheme.equals("https");
  }

  /**
   * @param location weights as given: a path, a {@code file:} or {@code http(s):} URL, or a Hadoop
   *     URI
   * @return what the zoo's loaders read: the location itself, or a local copy of a Hadoop file
   *     (deleted when the JVM exits)
   * @throws IOException if the copy fails
   */
  static String local(String location) throws IOException {
    if (!isHadoop(location)) {
      return location;
    }
    String name = location.substring(location.lastIndexOf('/') + 1);
    Path tmp = Files.createTempFile("attnzoo-", "-" + name);
    tmp.toFile().deleteOnExit();
    try (InputStream in = open(location, Map.of())) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
    }
    return tmp.toString();
  }

  /**
   * @param location a local path or any URI a Hadoop file system serves
   * @param hadoopConf Hadoop settings from the driver ({@code spark.hadoop.*} and the cluster's)
   * @return the file's bytes
   * @throws IOException if it cannot be read
   */
  static byte[] read(String location, Map<String, String> hadoopConf) throws IOException {
    if (!location.contains("://") && !location.startsWith("file:")) {
      return Files.readAllBytes(Path.of(location));
    }
    try (InputStream in = open(location, hadoopConf)) {
      return in.readAllBytes();
    }
  }

  private static InputStream open(String location, Map<String, String> hadoopConf)
      throws IOException {
    Configuration conf = new Configuration();
    hadoopConf.forEach(conf::set);
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(URI.create(location));
    return FileSystem.get(p.toUri(), conf).open(p);
  }
}
