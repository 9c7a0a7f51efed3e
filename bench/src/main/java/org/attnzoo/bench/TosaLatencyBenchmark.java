package org.attnzoo.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.attnzoo.backbones.tosa.TosaCost;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.tosa.TosaTraining;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.backbones.vit.VitLayerFactory;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * Forward latency of a dense ViT from the registry against ToSA versions of it (selective layers 1,
 * 3, 5, ...) at several keep ratios, in one process, rounds interleaved so that load changes hit
 * every model alike; wall-clock, process CPU and calling-thread CPU time per forward. Random
 * weights: the cost of a forward does not depend on them (the number of kept tokens is fixed by the
 * keep ratio). Not a test. Writes {@code results/tosa-latency-<date>/<time>.csv}: one folder per
 * day's series.
 *
 * <p>Run with one PyTorch thread ({@code -Dai.djl.pytorch.num_threads=1}): the calling thread's CPU
 * time is then all the work of a forward, measured to the microsecond and robust to a busy host
 * (process CPU time ticks in 10 ms here). Also set {@code MALLOC_MMAP_THRESHOLD_=33554432
 * MALLOC_TRIM_THRESHOLD_=1073741824}: with glibc's defaults the activations are fresh pages on
 * every forward and page faults dominate small ops (the selector's convolutions measured 10x
 * slower).
 *
 * <p>Arguments: {@code [variant [batch [rounds [keeps [selectorHidden]]]]]}, default {@code
 * vit_small_patch16_224 4 7 0.7,0.5 0}: a dense ViT variant of the registry, batch 4, 7 rounds of 3
 * forwards per model, keep ratios 0.7 and 0.5, selector hidden channels = heads (0). The
 * Fashion-MNIST models (2-channel selectors, as shipped): {@code vit_mini_patch4_28 100 10
 * 0.7,0.5,0.4,0.3 2}.
 */
public final class TosaLatencyBenchmark {

  private TosaLatencyBenchmark() {}

  /**
   * @param args optional {@code variant batch rounds keeps selectorHidden}
   * @throws IOException if the CSV cannot be written
   */
  public static void main(String[] args) throws IOException {
    String variant = args.length > 0 ? args[0] : "vit_small_patch16_224";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    double[] keeps =
        Arrays.stream((args.length > 3 ? args[3] : "0.7,0.5").split(","))
            .mapToDouble(Double::parseDouble)
            .toArray();
    int selectorHidden = args.length > 4 ? Integer.parseInt(args[4]) : 0;
    VitConfig dense = denseVit(variant);
    List<VitConfig> configs = new ArrayList<>();
    configs.add(dense);
    for (double keep : keeps) {
      TosaLayers layers = TosaLayers.alternate(dense.depth(), keep, selectorHidden);
      configs.add(dense.toBuilder().optLayers(layers).build());
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      List<VisionTransformer> models = new ArrayList<>();
      for (VitConfig cfg : configs) {
        VisionTransformer m = cfg.newBlock();
        m.initialize(manager, DataType.FLOAT32, cfg.inputShape(1));
        if (!models.isEmpty()) {
          TosaTraining.copyBackbone(models.get(0), m);
        }
        models.add(m);
      }
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray input = manager.randomNormal(dense.inputShape(batch));
      double[][] ms = new double[models.size()][rounds * 3];
      double[][] cpu = new double[models.size()][rounds * 3];
      double[][] thread = new double[models.size()][rounds * 3];
      for (int warm = 0; warm < 2; warm++) {
        for (VisionTransformer m : models) {
          time(m, ps, input);
        }
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < models.size(); i++) {
          for (int j = 0; j < 3; j++) {
            double[] t = time(models.get(i), ps, input);
            ms[i][r * 3 + j] = t[0];
            cpu[i][r * 3 + j] = t[1];
            thread[i][r * 3 + j] = t[2];
          }
        }
      }
      LocalDateTime now = LocalDateTime.now();
      Path out =
          Path.of(
              "results",
              "tosa-latency-" + now.format(DateTimeFormatter.ofPattern("yyyyMMdd")),
              now.format(DateTimeFormatter.ofPattern("HHmmss")) + ".csv");
      Files.createDirectories(out.getParent());
      double denseMedian = ForwardTiming.median(ms[0]);
      double denseCpu = ForwardTiming.median(cpu[0]);
      double denseThread = ForwardTiming.median(thread[0]);
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
        String header =
            "model,variant,batch,keep_ratio,selector_hidden,median_ms,p25_ms,p75_ms,"
                + "latency_vs_dense,median_cpu_ms,cpu_vs_dense,median_thread_cpu_ms,"
                + "thread_cpu_vs_dense,paired_thread_cpu_vs_dense,attention_macs,"
                + "selector_macs,layer_macs,layer_macs_vs_dense";
        w.println(header);
        System.out.println(header);
        for (int i = 0; i < models.size(); i++) {
          double[] s = ms[i].clone();
          Arrays.sort(s);
          String row =
              String.format(
                  java.util.Locale.ROOT,
                  "%s,%s,%d,%.2f,%d,%.2f,%.2f,%.2f,%.3f,%.2f,%.3f,%.2f,%.3f,%.3f,%d,%d,%d,%.3f",
                  i == 0 ? "dense" : "tosa",
                  variant,
                  batch,
                  i == 0 ? 1.0 : keeps[i - 1],
                  i == 0 ? 0 : selectorHidden,
                  ForwardTiming.median(s),
                  s[s.length / 4],
                  s[3 * s.length / 4],
                  ForwardTiming.median(s) / denseMedian,
                  ForwardTiming.median(cpu[i]),
                  ForwardTiming.median(cpu[i]) / denseCpu,
                  ForwardTiming.median(thread[i]),
                  ForwardTiming.median(thread[i]) / denseThread,
                  pairedRatio(thread[i], thread[0], rounds),
                  TosaCost.attentionMacs(configs.get(i)),
                  TosaCost.selectorMacs(configs.get(i)),
                  TosaCost.layerMacs(configs.get(i)),
                  (double) TosaCost.layerMacs(configs.get(i)) / TosaCost.layerMacs(dense));
          w.println(row);
          System.out.println(row);
        }
      }
      System.out.println("wrote " + out);
    }
  }

  /**
   * @param variant a registry variant name
   * @return its configuration
   * @throws IllegalArgumentException unless it is a dense ViT (ToSA layouts are built from it)
   */
  static VitConfig denseVit(String variant) {
    if (!(Variants.get(variant).config() instanceof VitConfig dense)
        || dense.layers() != VitLayerFactory.DENSE) {
      throw new IllegalArgumentException(
          "the ToSA benchmarks need a dense ViT variant (e.g. vit_mini_patch4_28), got " + variant);
    }
    return dense;
  }

  /** Wall-clock, process CPU and calling-thread CPU milliseconds of one forward. */
  private static double[] time(VisionTransformer m, ParameterStore ps, NDArray input) {
    var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    try (NDManager scope = input.getManager().newSubManager()) {
      NDArray x = input.duplicate();
      x.attach(scope);
      var threads = java.lang.management.ManagementFactory.getThreadMXBean();
      long c0 = os.getProcessCpuTime();
      long h0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      NDArray y = m.forward(ps, new NDList(x), false).singletonOrThrow();
      y.toFloatArray(); // waits for the result
      return new double[] {
        (System.nanoTime() - t0) / 1e6,
        (os.getProcessCpuTime() - c0) / 1e6,
        (threads.getCurrentThreadCpuTime() - h0) / 1e6
      };
    }
  }

  /**
   * Median over rounds of (this model's median / the dense model's median in the same round): the
   * models of one round ran back to back, so slow drifts of the host's load cancel.
   */
  private static double pairedRatio(double[] model, double[] dense, int rounds) {
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratios[r] =
          ForwardTiming.median(Arrays.copyOfRange(model, r * 3, r * 3 + 3))
              / ForwardTiming.median(Arrays.copyOfRange(dense, r * 3, r * 3 + 3));
    }
    return ForwardTiming.median(ratios);
  }
}
