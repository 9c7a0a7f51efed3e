package org.attnzoo.attention;

import org.attnzoo.export.OnnxGraph;

/**
 * The ONNX form of splitting a fused {@code qkv} projection (timm's single {@code nn.Linear(dim, 3
 * * dim)}) into queries, keys and values. The channels are split into {@code q | k | v} before
 * heads are formed, so that no tensor exceeds rank 4 (the limit of the mobile converters), where
 * the engine path views the output as {@code [B, N, 3, h, d]}.
 */
public final class FusedQkv {

  private FusedQkv() {}

  /**
   * @param g the graph
   * @param fused the projection's output {@code [B, N, 3C]}
   * @param dim C
   * @return {@code q, k, v}, each {@code [B, N, C]}
   */
  public static String[] onnxSplit(OnnxGraph g, String fused, long dim) {
    return g.node(
        "Split", new String[] {fused, g.ints(dim, dim, dim)}, 3, OnnxGraph.Attr.of("axis", 2L));
  }

  /**
   * @param g the graph
   * @param fused the projection's output {@code [B, N, 3C]}
   * @param dim C
   * @param numHeads h, with {@code d = C / h}
   * @param perm the layout of each head from {@code [B, N, h, d]}: {@code 0, 2, 1, 3} gives {@code
   *     [B, h, N, d]}
   * @return {@code q, k, v}, each in the layout {@code perm}
   */
  public static String[] onnxHeads(
      OnnxGraph g, String fused, long dim, int numHeads, long... perm) {
    String[] parts = onnxSplit(g, fused, dim);
    String[] heads = new String[3];
    for (int i = 0; i < 3; i++) {
      String r = g.op("Reshape", parts[i], g.ints(0, 0, numHeads, dim / numHeads));
      heads[i] = g.op("Transpose", new String[] {r}, OnnxGraph.Attr.ints("perm", perm));
    }
    return heads;
  }
}
