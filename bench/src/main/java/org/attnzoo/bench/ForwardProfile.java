package org.attnzoo.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.Engines;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * libtorch's own profiler over attnzoo's inference forward on DJL's PyTorch engine: every ATen
 * operator the Java blocks call, with its time, as a chrome trace per variant. {@code
 * scripts/forward_profile.py} records timm's forward the same way and compares the two.
 *
 * <p>Usage: {@code ForwardProfile OUT_DIR BATCH CALLS VARIANT...}; writes {@code
 * OUT_DIR/<variant>-b<batch>-attnzoo.json}. Threads: {@code -Dai.djl.pytorch.num_threads}.
 */
public final class ForwardProfile {

  private ForwardProfile() {}

  /**
   * @param args output folder, batch size, profiled calls, variants
   * @throws Exception if a model cannot be built or the trace written
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int batch = Integer.parseInt(args[1]);
    int calls = Integer.parseInt(args[2]);
    Files.createDirectories(out);
    Engine.getEngine(Engines.PYTORCH);
    for (int i = 3; i < args.length; i++) {
      Variant v = Variants.get(args[i]);
      try (Model model = AttnZoo.newModel(v, Device.cpu(), Engines.PYTORCH)) {
        ParameterStore ps = new ParameterStore(model.getNDManager(), false);
        Shape shape = v.config().inputShape(batch);
        NDManager manager = model.getNDManager();
        for (int w = 0; w < 10; w++) {
          ForwardTiming.forwardMs(model.getBlock(), ps, manager, shape);
        }
        JniUtils.startProfile(false, true, false);
        for (int c = 0; c < calls; c++) {
          ForwardTiming.forwardMs(model.getBlock(), ps, manager, shape);
        }
        Path trace = out.resolve(v.name() + "-b" + batch + "-attnzoo.json");
        JniUtils.stopProfile(trace.toString());
        System.out.println("wrote " + trace);
      }
    }
  }
}
