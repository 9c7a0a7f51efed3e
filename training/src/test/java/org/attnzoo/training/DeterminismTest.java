package org.attnzoo.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.attnzoo.testing.FreedMemory;
import org.attnzoo.zoo.io.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same seed, same data, same thread count: bit-identical losses and weights, within one JVM, across
 * two JVMs and across resumes. Every in-process run happens while {@link FreedMemory#pressure()}
 * collects garbage and overwrites freed direct memory, so that a tensor left in JVM-owned memory
 * that the engine still reads (the cause of the gradient spikes of issue 15) makes runs differ.
 */
class DeterminismTest {

  @TempDir Path dir;

  @Test
  void everyFamilyTrainsBitIdenticallyWithinAndAcrossJvms() throws Exception {
    Path child = dir.resolve("child");
    Process other = startChildJvm(child);
    Map<String, Map<String, Tensor>> first = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try (AutoCloseable pressure = FreedMemory.pressure()) {
      for (String name : DeterminismProbe.VARIANTS) {
        List<EpochMetrics> a =
            DeterminismProbe.train(name, dir.resolve("a").resolve(name), 1, 0, false);
        List<EpochMetrics> b =
            DeterminismProbe.train(name, dir.resolve("b").resolve(name), 1, 0, false);
        if (a.get(0).trainLoss() != b.get(0).trainLoss()
            || a.get(0).testLoss() != b.get(0).testLoss()) {
          problems.add(name + ": losses " + losses(a) + " vs " + losses(b));
        }
        first.put(name, DeterminismProbe.state(dir.resolve("a").resolve(name)));
        String diff =
            DeterminismProbe.firstDifference(
                first.get(name), DeterminismProbe.state(dir.resolve("b").resolve(name)));
        if (diff != null) {
          problems.add(name + ": same JVM, tensor " + diff + " differs");
        }
        assertEquals(0, a.get(0).skippedSteps(), name + " skipped steps");
      }
    }
    assertEquals(0, other.waitFor(5, TimeUnit.MINUTES) ? other.exitValue() : -1, "child JVM");
    for (String name : DeterminismProbe.VARIANTS) {
      String diff =
          DeterminismProbe.firstDifference(
              first.get(name), DeterminismProbe.state(child.resolve(name)));
      if (diff != null) {
        problems.add(name + ": other JVM, tensor " + diff + " differs");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void twentyResumesFromOneCheckpointAreBitIdentical() throws Exception {
    String name = "vit_micro_patch4_32";
    Path straight = dir.resolve("straight");
    Path stopped = dir.resolve("stopped");
    List<String> problems = new ArrayList<>();
    try (AutoCloseable pressure = FreedMemory.pressure()) {
      List<EpochMetrics> full = DeterminismProbe.train(name, straight, 2, 0, false);
      DeterminismProbe.train(name, stopped, 2, 1, false);
      Map<String, Tensor> expected = DeterminismProbe.state(straight);
      for (int i = 0; i < 20; i++) {
        Path resumed = dir.resolve("resume" + i);
        DeterminismProbe.copyCheckpoint(stopped, resumed);
        List<EpochMetrics> h = DeterminismProbe.train(name, resumed, 2, 0, true);
        if (h.get(1).trainLoss() != full.get(1).trainLoss()) {
          problems.add("resume " + i + ": " + losses(h) + " vs " + losses(full));
        }
        String diff = DeterminismProbe.firstDifference(expected, DeterminismProbe.state(resumed));
        if (diff != null) {
          problems.add("resume " + i + ": tensor " + diff + " differs");
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  private static String losses(List<EpochMetrics> h) {
    StringBuilder s = new StringBuilder();
    for (EpochMetrics m : h) {
      s.append(
          String.format(
              java.util.Locale.ROOT,
              "[epoch %d: train %s test %s, %d skipped]",
              m.epoch(),
              m.trainLoss(),
              m.testLoss(),
              m.skippedSteps()));
    }
    return s.toString();
  }

  private static Process startChildJvm(Path out) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The same engine settings as this JVM (thread count, offline mode).
    System.getProperties()
        .forEach(
            (k, v) -> {
              String key = k.toString();
              if (key.startsWith("ai.djl.")) {
                cmd.add("-D" + key + "=" + v);
              }
            });
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(DeterminismProbe.class.getName());
    cmd.add(out.toString());
    return new ProcessBuilder(cmd).inheritIO().start();
  }
}
