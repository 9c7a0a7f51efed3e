package org.attnzoo.backbones.tosa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Arrays;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.export.OnnxGraph.Attr;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.FanInUniform;
import org.attnzoo.nn.TimmInit;

/**
 * ToSA's token selector (Singh et al., 2024, Sec. 3): reads one layer's unnormalised attention maps
 * {@code q k^T / sqrt(d)} and predicts the next layer's attention maps, then keeps the tokens the
 * prediction says will receive the most attention.
 *
 * <p>Network: {@code log_softmax(conv2(relu(conv1(A))))}, two 1-D convolutions with a ReLU between
 * them and a log-softmax, as in the paper. The paper does not give the convolution layout, so
 * attnzoo chooses (documented in src/docs/tosa.md):
 *
 * <ul>
 *   <li>each query row of the map is one 1-D signal along the key axis, with the heads as channels
 *       (implemented as {@code 1 x k} 2-D convolutions on {@code [B, h, N, N]}, weights {@code
 *       [out, in, 1, k]}); the output has {@code h} channels again, so the selector predicts one
 *       attention distribution per head and query, and the log-softmax runs over the keys, like the
 *       attention softmax it imitates;
 *   <li>kernel size {@code kernelSize} (default 3) with "same" padding, hidden channels {@code
 *       hidden} (default: the number of heads), both convolutions with bias.
 * </ul>
 *
 * <p>Importance of token {@code j}: the predicted attention it receives, summed over heads and
 * queries, {@code sum_{h,i} P[h, i, j]}. The {@code keptTokens(N)} most important tokens are kept;
 * prefix tokens (the class token) are always kept.
 *
 * <p>Input: attention logits {@code [B, h, N, N]}; output: predicted log-attention of the next
 * layer {@code [B, h, N, N]}, each row a log-distribution over keys.
 */
public class TokenSelector extends AbstractBlock implements OnnxExportable, TimmInit.OwnInit {

  // ONNX TensorProto data types for Cast.
  private static final int FLOAT = 1;
  private static final int INT64 = 7;

  private final int numHeads;
  private final int hidden;
  private final double keepRatio;
  private final int prefixTokens;
  private final Conv2d conv1;
  private final Conv2d conv2;

  /**
   * @param numHeads attention heads of the layer whose maps are read (input and output channels)
   * @param hidden channels between the two convolutions
   * @param kernelSize odd kernel size of both convolutions
   * @param keepRatio share of the non-prefix tokens to keep, in (0, 1]
   * @param prefixTokens leading tokens that are always kept (1 for a class token)
   */
  public TokenSelector(
      int numHeads, int hidden, int kernelSize, double keepRatio, int prefixTokens) {
    Checks.positive("TokenSelector numHeads", numHeads);
    Checks.positive("TokenSelector hidden", hidden);
    checkKernel(kernelSize);
    checkKeepRatio(keepRatio);
    if (prefixTokens < 0) {
      throw new IllegalArgumentException("prefixTokens must be >= 0, got " + prefixTokens);
    }
    this.numHeads = numHeads;
    this.hidden = hidden;
    this.keepRatio = keepRatio;
    this.prefixTokens = prefixTokens;
    conv1 = addChildBlock("conv1", conv(hidden, kernelSize));
    conv2 = addChildBlock("conv2", conv(numHeads, kernelSize));
    // ToSA has no reference code. Weights: PyTorch's default, as for any convolution in timm's
    // ViT. Biases: zero rather than PyTorch's U(+-1/sqrt(fan_in)): in a freshly initialised ViT
    // (Linear std 0.02) the attention logits the selector reads are ~1e-3, so a random bias alone
    // would decide conv1's ReLU and could switch every hidden channel off (both of two with
    // probability 1/4), leaving conv1 without a gradient.
    setInitializer(FanInUniform.weight(), Parameter.Type.WEIGHT);
    setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
  }

  private static Conv2d conv(int filters, int kernelSize) {
    // A 1 x k kernel over [B, h, N, N] is the 1-D convolution along the keys of every query row,
    // without copying the map into a [B * N, h, N] layout first.
    return Conv2d.builder()
        .setFilters(filters)
        .setKernelShape(new Shape(1, kernelSize))
        .optPadding(new Shape(0, kernelSize / 2))
        .build();
  }

  /**
   * @param keepRatio a keep ratio
   * @throws IllegalArgumentException unless {@code 0 < keepRatio <= 1}
   */
  static void checkKeepRatio(double keepRatio) {
    if (!(keepRatio > 0 && keepRatio <= 1)) {
      throw new IllegalArgumentException(
          "ToSA keepRatio must be in (0, 1] (share of tokens that attend), got " + keepRatio);
    }
  }

  /**
   * @param kernelSize a selector kernel size
   * @throws IllegalArgumentException unless positive and odd ("same" padding)
   */
  static void checkKernel(int kernelSize) {
    if (kernelSize <= 0 || kernelSize % 2 == 0) {
      throw new IllegalArgumentException(
          "ToSA selector kernelSize must be odd and > 0, got " + kernelSize);
    }
  }

  /**
   * How many of {@code numTokens} tokens are kept: all prefix tokens plus {@code round(keepRatio *
   * patches)} patch tokens, at least one.
   *
   * @param numTokens tokens per sample, prefix included
   * @return kept tokens, prefix included
   */
  public int keptTokens(long numTokens) {
    return keptTokens(numTokens, prefixTokens, keepRatio);
  }

  /**
   * @param numTokens tokens per sample, prefix included
   * @param prefixTokens leading tokens that are always kept
   * @param keepRatio share of the patch tokens kept
   * @return kept tokens, prefix included; see {@link #keptTokens(long)}
   */
  public static int keptTokens(long numTokens, int prefixTokens, double keepRatio) {
    long patches = numTokens - prefixTokens;
    long kept = Math.max(1, Math.min(patches, Math.round(keepRatio * patches)));
    return (int) (prefixTokens + kept);
  }

  private void check(Shape in) {
    Checks.rank("TokenSelector", in, 4, "attention logits [B, heads, N, N]");
    Checks.size("TokenSelector", in, 1, numHeads, "heads");
    Checks.size("TokenSelector", in, 3, in.get(2), "keys (square attention map)");
    if (in.get(2) <= prefixTokens) {
      throw new IllegalArgumentException(
          String.format(
              "TokenSelector needs more than %d tokens (the prefix), got shape %s",
              prefixTokens, in));
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(predictLogits(ps, inputs.singletonOrThrow(), training).logSoftmax(-1));
  }

  /**
   * The selector's prediction before the log-softmax: {@code conv2(relu(conv1(A)))}.
   *
   * @param ps the parameter store
   * @param attentionLogits the previous layer's attention logits {@code [B, h, N, N]}
   * @param training whether in training mode
   * @return predicted attention logits of the next layer {@code [B, h, N, N]}
   */
  public NDArray predictLogits(ParameterStore ps, NDArray attentionLogits, boolean training) {
    check(attentionLogits.getShape());
    NDArray y = conv1.forward(ps, new NDList(attentionLogits), training).singletonOrThrow();
    return conv2.forward(ps, new NDList(Activation.relu(y)), training).singletonOrThrow();
  }

  /**
   * Per-token importance: the predicted attention each token receives, summed over heads and
   * queries.
   *
   * @param logProbs the selector's output {@code [B, h, N, N]}
   * @return {@code [B, N]}
   */
  public static NDArray importance(NDArray logProbs) {
    return logProbs.exp().sum(new int[] {1, 2});
  }

  /**
   * {@link #importance} from {@link #predictLogits}' output, with one softmax instead of a
   * log-softmax and an exp.
   *
   * @param predictedLogits {@code [B, h, N, N]}
   * @return {@code [B, N]}
   */
  public static NDArray importanceFromLogits(NDArray predictedLogits) {
    return predictedLogits.softmax(-1).sum(new int[] {1, 2});
  }

  /**
   * The kept tokens: prefix tokens plus the most important others. Among patches of equal
   * importance the one with the lower index is kept (as ONNX {@code TopK} specifies).
   *
   * @param importance {@code [B, N]} from {@link #importance}
   * @return token indices {@code [B, keptTokens(N)]} (int64), ascending, so the kept tokens keep
   *     their original order
   */
  public NDArray select(NDArray importance) {
    Checks.rank("TokenSelector.select", importance.getShape(), 2, "importance [B, N]");
    // On a CPU the few hundred scores per sample are ranked on the host: two native calls instead
    // of the about ten small tensor ops of selectWithTopK, whose per-op overhead dominated the
    // selection at batch 1 (src/docs/tosa.md, "Cost").
    return importance.getDevice().isGpu() ? selectWithTopK(importance) : selectOnHost(importance);
  }

  /**
   * {@link #select} by ranking on the host.
   *
   * @param importance {@code [B, N]}
   * @return token indices {@code [B, keptTokens(N)]} (int64), ascending
   */
  public NDArray selectOnHost(NDArray importance) {
    int b = Math.toIntExact(importance.getShape().get(0));
    int n = Math.toIntExact(importance.getShape().get(1));
    int k = keptTokens(n);
    float[] scores = importance.toType(DataType.FLOAT32, false).toFloatArray();
    long[] kept = new long[b * k];
    long[] keys = new long[n - prefixTokens];
    for (int row = 0; row < b; row++) {
      for (int j = prefixTokens; j < n; j++) {
        // Sort key: descending score (order-preserving float bits, inverted), then ascending index.
        int bits = Float.floatToIntBits(scores[row * n + j]);
        bits ^= (bits >> 31) & 0x7fffffff;
        keys[j - prefixTokens] = ((long) ~bits << 32) | j;
      }
      Arrays.sort(keys);
      int base = row * k;
      for (int j = 0; j < prefixTokens; j++) {
        kept[base + j] = j;
      }
      for (int j = prefixTokens; j < k; j++) {
        kept[base + j] = keys[j - prefixTokens] & 0xffffffffL;
      }
      Arrays.sort(kept, base + prefixTokens, base + k);
    }
    return importance.getManager().create(kept, new Shape(b, k));
  }

  /**
   * {@link #select} with tensor ops ({@code topK}, {@code sort}), where the scores live.
   *
   * @param importance {@code [B, N]}
   * @return token indices {@code [B, keptTokens(N)]} (int64), ascending
   */
  public NDArray selectWithTopK(NDArray importance) {
    long b = importance.getShape().get(0);
    long n = importance.getShape().get(1);
    NDArray scores = importance.stopGradient();
    if (prefixTokens > 0) {
      // The class token is always kept: rank it above every patch.
      NDArray first = scores.getManager().full(new Shape(b, prefixTokens), Float.POSITIVE_INFINITY);
      NDArray rest = scores.get(new NDIndex(":, {}:", prefixTokens));
      scores = NDArrays.concat(new NDList(first.toType(scores.getDataType(), false), rest), 1);
    }
    NDArray top = scores.topK(keptTokens(n), 1, true, false).get(1);
    return top.toType(DataType.INT64, false).sort(1);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Shape in = shapes[0];
    conv1.initialize(manager, dataType, in);
    conv2.initialize(manager, dataType, new Shape(in.get(0), hidden, in.get(2), in.get(3)));
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {
      g.op("LogSoftmax", new String[] {onnxPredictLogits(g, inputs[0])}, Attr.of("axis", -1L))
    };
  }

  /**
   * The ONNX counterpart of {@link #predictLogits}: {@code conv2(relu(conv1(A)))}.
   *
   * @param g the graph under construction
   * @param attentionLogits name of the previous layer's logits {@code [B, h, N, N]}
   * @return name of the predicted logits {@code [B, h, N, N]}
   */
  public String onnxPredictLogits(OnnxGraph g, String attentionLogits) {
    return g.apply(conv2, g.op("Relu", g.apply(conv1, attentionLogits)));
  }

  /**
   * The ONNX counterpart of {@link #importanceFromLogits} followed by {@link #select}: the indices
   * of the kept tokens, ascending. The number kept is static ({@link #keptTokens}).
   *
   * @param g the graph under construction
   * @param predictedLogits name of the output of {@link #onnxPredictLogits} {@code [B, h, N, N]}
   * @param numTokens {@code N}
   * @return name of the int64 indices {@code [B, keptTokens(N)]}
   */
  public String onnxSelect(OnnxGraph g, String predictedLogits, long numTokens) {
    String probs = g.op("Softmax", new String[] {predictedLogits}, Attr.of("axis", -1L));
    String scores = g.op("ReduceSum", new String[] {probs, g.ints(1, 2)}, Attr.of("keepdims", 0L));
    if (prefixTokens > 0) {
      // As in select: prefix tokens rank above every patch.
      float[] bonus = new float[Math.toIntExact(numTokens)];
      Arrays.fill(bonus, 0, prefixTokens, Float.POSITIVE_INFINITY);
      scores = g.op("Add", scores, g.floats(bonus, numTokens));
    }
    String kept = g.ints(keptTokens(numTokens));
    String top =
        g.node(
                "TopK",
                new String[] {scores, kept},
                2,
                Attr.of("axis", 1L),
                Attr.of("largest", 1L),
                Attr.of("sorted", 1L))[1];
    // Ascending order: the k smallest of the chosen indices, as float (exact below 2^24).
    String asFloat = g.op("Cast", new String[] {top}, Attr.of("to", (long) FLOAT));
    String ascending =
        g.node(
                "TopK",
                new String[] {asFloat, kept},
                2,
                Attr.of("axis", 1L),
                Attr.of("largest", 0L),
                Attr.of("sorted", 1L))[0];
    return g.op("Cast", new String[] {ascending}, Attr.of("to", (long) INT64));
  }

  /**
   * @return share of the patch tokens kept
   */
  public double getKeepRatio() {
    return keepRatio;
  }

  /**
   * @return leading tokens that are always kept
   */
  public int getPrefixTokens() {
    return prefixTokens;
  }
}
