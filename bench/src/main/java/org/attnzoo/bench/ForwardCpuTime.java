package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * CPU time of one inference forward on DJL's PyTorch engine, for comparing two builds of the blocks
 * on a shared machine: run with {@code -Dai.djl.pytorch.num_threads=1}, libtorch computes in the
 * calling thread, so that thread's CPU time counts the kernels, the JNI calls and the Java work of
 * a forward but not the time spent waiting for a core, which wall-clock latency on a loaded machine
 * does (with more intra-op threads, worker threads' time would be missed).
 *
 * <p>Usage: {@code ForwardCpuTime CALLS VARIANT:BATCH...}; prints {@code
 * variant,batch,median_cpu_ms,p10_cpu_ms,p90_cpu_ms,median_wall_ms} per job. Random weights, each
 * forward in its own sub-manager, autograd off, 10 warm-up forwards.
 */
public final class ForwardCpuTime {

  private ForwardCpuTime() {}

  /**
   * @param args timed forwards per job, then jobs {@code VARIANT:BATCH}
   * @throws Exception if a model cannot be built
   */
  public static void main(String[] args) throws Exception {
    int calls = Integer.parseInt(args[0]);
    Engine.getEngine(Engines.PYTORCH);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int i = 1; i < args.length; i++) {
      String[] job = args[i].split(":");
      if (job.length != 2) {
        throw new IllegalArgumentException("expected VARIANT:BATCH, got " + args[i]);
      }
      Variant v = Variants.get(job[0]);
      int batch = Integer.parseInt(job[1]);
      try (Model model = AttnZoo.newModel(v, Device.cpu(), Engines.PYTORCH)) {
        ParameterStore ps = new ParameterStore(model.getNDManager(), false);
        Shape shape = v.config().inputShape(batch);
        NDManager manager = model.getNDManager();
        for (int w = 0; w < 10; w++) {
          ForwardTiming.forwardMs(model.getBlock(), ps, manager, shape);
        }
        double[] cpu = new double[calls];
        double[] wall = new double[calls];
        for (int c = 0; c < calls; c++) {
          try (NDManager scope = manager.newSubManager()) {
            NDList in = new NDList(scope.randomNormal(shape));
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            model.getBlock().forward(ps, in, false).head().toFloatArray();
            wall[c] = (System.nanoTime() - t0) / 1e6;
            cpu[c] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%s,%d,%.3f,%.3f,%.3f,%.3f%n",
            v.name(),
            batch,
            ForwardTiming.median(cpu),
            ForwardTiming.quantile(cpu, 0.1),
            ForwardTiming.quantile(cpu, 0.9),
            ForwardTiming.median(wall));
      }
    }
  }
}
