package org.attnzoo.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.attnzoo.backbones.tosa.TokenSelectiveBlock;
import org.attnzoo.backbones.tosa.TokenSelector;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.runtime.ForwardTiming;

/**
 * Where the time of one ToSA selective layer goes, piece by piece, against the dense layer it
 * replaces: the selector's convolutions, the importance, the selection (on the host and with {@code
 * topK}), the gather + layer + scatter on the kept tokens, the whole selective layer, and a dense
 * layer. Calling-thread CPU time (run with {@code -Dai.djl.pytorch.num_threads=1} and the {@code
 * MALLOC_*} settings of {@link TosaLatencyBenchmark}), median over rounds in which every piece runs
 * once, so that load changes hit all pieces alike. Each call gets its inputs in a scope of its own,
 * as in a real forward: with its inputs in a long-lived manager every intermediate stays alive,
 * each call writes fresh pages, and the same pieces measured 10-15x slower. Not a test; prints a
 * table.
 *
 * <p>Arguments: {@code [variant [batch [keep [selectorHidden [rounds]]]]]}, default {@code
 * vit_mini_patch4_28 100 0.3 2 30}: the shipped Fashion-MNIST ToSA layout at batch 100.
 */
public final class TosaLayerCostBenchmark {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private TosaLayerCostBenchmark() {}

  /**
   * @param args optional {@code variant batch keep selectorHidden rounds}
   */
  public static void main(String[] args) {
    String variant = args.length > 0 ? args[0] : "vit_mini_patch4_28";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    double keep = args.length > 2 ? Double.parseDouble(args[2]) : 0.3;
    int selectorHidden = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 30;
    VitConfig dense = TosaLatencyBenchmark.denseVit(variant);
    VitConfig tosa =
        dense.toBuilder()
            .optLayers(new TosaLayers(keep, List.of(1), selectorHidden, TosaLayers.DEFAULT_KERNEL))
            .build();
    try (NDManager manager = NDManager.newBaseManager()) {
      VisionTransformer model = tosa.newBlock();
      model.initialize(manager, DataType.FLOAT32, tosa.inputShape(1));
      VisionTransformer denseModel = dense.newBlock();
      denseModel.initialize(manager, DataType.FLOAT32, dense.inputShape(1));
      ParameterStore ps = new ParameterStore(manager, false);
      VitBlock first = model.getBlocks().get(0);
      TokenSelectiveBlock selective = (TokenSelectiveBlock) model.getBlocks().get(1);
      VitBlock denseLayer = denseModel.getBlocks().get(1);
      TokenSelector selector = selective.getSelector();

      // Real activations: the embedded tokens of a random image batch and layer 0's logits.
      NDArray image = manager.randomNormal(dense.inputShape(batch));
      NDArray tokens = model.embedTokens(ps, image, false);
      NDList layer0 = first.forward(ps, new NDList(tokens), false);
      NDArray x = layer0.get(0);
      NDArray logits = layer0.get(1);
      NDArray predicted = selector.predictLogits(ps, logits, false);
      NDArray importance = TokenSelector.importanceFromLogits(predicted);
      NDArray keepIndex = selector.select(importance);

      Map<String, Function<NDList, NDArray>> pieces = new LinkedHashMap<>();
      // The two whole layers first in each round: placed last, in one configuration (keep 0.3,
      // 2-channel selector, batch 100) they measured 5-10x slower, reproducibly, an artefact of
      // the harness's allocation pattern (whole-model runs of that model show nothing of the kind).
      pieces.put(
          "whole selective layer",
          in -> selective.forward(ps, new NDList(in.get(0), in.get(1)), false).head());
      pieces.put("dense layer", in -> denseLayer.forward(ps, new NDList(in.get(0)), false).head());
      pieces.put(
          "selector convolutions + ReLU", in -> selector.predictLogits(ps, in.get(1), false));
      pieces.put("importance (softmax + sum)", in -> TokenSelector.importanceFromLogits(in.get(2)));
      pieces.put("selection on the host", in -> selector.selectOnHost(in.get(3)));
      pieces.put("selection with topK", in -> selector.selectWithTopK(in.get(3)));
      pieces.put(
          "gather + layer on kept + scatter",
          in -> selective.forwardSelected(ps, in.get(0), in.get(4), null, false));
      NDList inputs = new NDList(x, logits, predicted, importance, keepIndex);

      Map<String, double[]> samples = new LinkedHashMap<>();
      for (String name : pieces.keySet()) {
        samples.put(name, new double[rounds]);
      }
      for (int r = -3; r < rounds; r++) { // three warm-up rounds
        for (Map.Entry<String, Function<NDList, NDArray>> piece : pieces.entrySet()) {
          double ms = threadCpuMs(piece.getValue(), inputs, manager);
          if (r >= 0) {
            samples.get(piece.getKey())[r] = ms;
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%s, batch %d, keep %.2f (%d of %d tokens), selector hidden %d; thread CPU ms, median"
              + " of %d%n",
          variant,
          batch,
          keep,
          keepIndex.getShape().get(1),
          x.getShape().get(1),
          selectorHidden == 0 ? dense.numHeads() : selectorHidden,
          rounds);
      System.out.println("| piece | ms |\n|---|---:|");
      for (Map.Entry<String, double[]> e : samples.entrySet()) {
        System.out.printf(
            Locale.ROOT, "| %s | %.3f |%n", e.getKey(), ForwardTiming.median(e.getValue()));
      }
    }
  }

  /** Thread CPU time of one call, with copies of the inputs in a scope of their own. */
  private static double threadCpuMs(
      Function<NDList, NDArray> piece, NDList inputs, NDManager parent) {
    try (NDManager scope = parent.newSubManager()) {
      NDList scoped = new NDList();
      for (NDArray a : inputs) {
        NDArray copy = a.duplicate();
        copy.attach(scope);
        scoped.add(copy);
      }
      long t0 = THREADS.getCurrentThreadCpuTime();
      // On a CPU PyTorch's eager ops are synchronous: the result exists when the call returns, and
      // copying it to the Java heap would add a copy that a forward does not make.
      piece.apply(scoped);
      return (THREADS.getCurrentThreadCpuTime() - t0) / 1e6;
    }
  }
}
