package org.attnzoo.attention;

import ai.djl.nn.Block;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The token mixers that plug into the backbones with an attention slot (ViT's layers, EdgeNeXt's
 * SDTA encoders, SwiftFormer's encoders), as a typed key: a configuration holds one of these, never
 * a free string. A new mechanism adds one constant here.
 *
 * <p>{@link #key()} is the short name used in variant names ({@code vit_tiny_patch16_224_elu}),
 * command lines and files; {@link #parse} is the one place where such a name becomes a key.
 */
public enum TokenMixer implements AttentionFactory {
  /** Multi-head self-attention, timm's {@code Attention}. */
  MHSA("mhsa", MultiHeadSelfAttention::new),
  /** ELU+1 kernel linear attention (Katharopoulos et al., 2020). */
  ELU("elu", EluLinearAttention::new),
  /** cosFormer's cos-reweighted linear attention (Qin et al., 2022). */
  COSFORMER("cosformer", CosFormerAttention::new),
  /** Hydra attention: as many heads as channels (Bolya et al., 2022). */
  HYDRA("hydra", HydraAttention::new),
  /**
   * SimA: softmax-free attention with L1-normalised q and k (Koohpayegani and Pirsiavash, 2024).
   */
  SIMA("sima", SimAAttention::new),
  /** Transposed (cross-covariance) attention over channels, EdgeNeXt's SDTA mixer. */
  XCA("xca", TransposedAttention::new),
  /** SwiftFormer's efficient additive attention. */
  ADDITIVE("additive", EfficientAdditiveAttention::new);

  private final String key;
  private final AttentionFactory factory;

  TokenMixer(String key, AttentionFactory factory) {
    this.key = key;
    this.factory = factory;
  }

  /**
   * @return the short name, e.g. {@code "elu"}
   */
  public String key() {
    return key;
  }

  @Override
  public Block create(AttentionSpec spec) {
    return factory.create(spec);
  }

  /**
   * @param name a short name such as {@code "elu"}, as a command line or file gives it (case is
   *     ignored)
   * @return its key
   * @throws IllegalArgumentException listing the known names if {@code name} is not one of them
   */
  public static TokenMixer parse(String name) {
    for (TokenMixer m : values()) {
      if (m.key.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "Unknown attention mechanism '"
            + name
            + "'; known: "
            + Arrays.stream(values())
                .map(TokenMixer::key)
                .collect(Collectors.joining(", ", "[", "]")));
  }

  /** The short name, so that messages and variant names read as before. */
  @Override
  public String toString() {
    return key;
  }
}
