package org.attnzoo.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;

/**
 * The reference implementations' weight initialisation, declared on DJL parameters so that {@code
 * block.initialize(...)} or {@code Trainer.initialize(...)} draws it without further steps.
 *
 * <p>Every family initialises its Linear and convolution layers by one of three rules ({@link
 * Rule}); each backbone's constructor calls {@link #declare} once, after its children exist, with
 * the rules of its reference. Parameters that are not Linear or convolution weights (norms, layer
 * scales, position embeddings, relative-position tables, temperatures) declare their initializer
 * where they are built.
 *
 * <p>Precedence, DJL's: {@code Model.newTrainer(config)} calls {@code block.setInitializer} for
 * each initializer of the training config, so an initializer a user sets with {@code
 * DefaultTrainingConfig.optInitializer(init, Parameter.Type.WEIGHT)} (or a name or predicate)
 * replaces the one declared here for the parameters it selects; a plain {@code
 * DefaultTrainingConfig} keeps the reference's. Calling {@code block.setInitializer} after
 * construction does the same.
 */
public final class TimmInit {

  /** The std of every truncated-normal layer rule here: 0.02 in timm and in Conv2Former. */
  public static final double STD = 0.02;

  private TimmInit() {}

  /**
   * A block that declares the initializers of its own Linear and convolution layers, which {@link
   * #declare} then leaves alone.
   */
  public interface OwnInit {}

  /** How a family initialises the weight and bias of one Linear or convolution layer. */
  public enum Rule {
    /**
     * timm's {@code trunc_normal_(w, std=.02)} with its default absolute bounds {@code [-2, 2]} (in
     * effect {@code N(0, 0.02^2)}), bias 0. ViT and Swin ({@code init_weights_vit_timm}, Linear
     * only), SwiftFormer ({@code _initialize_weights}), Conv2Former ({@code _init_weights}).
     */
    TRUNC_NORMAL,
    /**
     * timm's {@code trunc_normal_tf_(w, std=.02)}: a standard normal cut at +-2, then scaled, so
     * {@code |w| <= 0.04}; bias 0. EdgeNeXt ({@code edgenext._init_weights}).
     */
    TRUNC_NORMAL_TF,
    /**
     * PyTorch's {@code reset_parameters}, the layer left as constructed: weight and bias {@code
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in))} ({@link FanInUniform}). ViT and Swin convolutions (the
     * patch embedding), every EfficientViT layer (timm's {@code efficientvit_mit} has no init).
     */
    PYTORCH_DEFAULT;

    void declare(Parameter weight, Parameter bias) {
      switch (this) {
        case TRUNC_NORMAL:
          weight.setInitializer(truncNormal(STD));
          break;
        case TRUNC_NORMAL_TF:
          weight.setInitializer(truncNormalTf(STD));
          break;
        default:
          weight.setInitializer(FanInUniform.weight());
          break;
      }
      if (bias != null) {
        bias.setInitializer(
            this == PYTORCH_DEFAULT ? FanInUniform.bias(weight) : Initializer.ZEROS);
      }
    }
  }

  /**
   * @param std the standard deviation
   * @return timm's {@code trunc_normal_(w, std=std)}: {@code N(0, std^2)} cut at the values {@code
   *     +-2}
   */
  public static Initializer truncNormal(double std) {
    return new TruncatedNormal(0, std, -2, 2);
  }

  /**
   * @param std the standard deviation before truncation
   * @return timm's {@code trunc_normal_tf_(w, std=std)}: {@code N(0, std^2)} cut at {@code +-2 std}
   */
  public static Initializer truncNormalTf(double std) {
    return new TruncatedNormal(0, std, -2 * std, 2 * std);
  }

  /**
   * Declares {@code linear} on every DJL {@link Linear} and {@code conv} on every DJL {@link
   * Convolution} below {@code root}. Call it at the end of a backbone's constructor. Blocks that
   * are {@link OwnInit} (and their children) are left as they declared themselves, as timm's init
   * functions defer to a module's own {@code init_weights}.
   *
   * @param root the backbone
   * @param linear the rule of its Linear layers
   * @param conv the rule of its convolutions
   */
  public static void declare(Block root, Rule linear, Rule conv) {
    for (Pair<String, Block> child : root.getChildren()) {
      Block b = child.getValue();
      if (b instanceof OwnInit) {
        continue;
      }
      if (b instanceof Linear) {
        declareLayer(b, linear);
      } else if (b instanceof Convolution) {
        declareLayer(b, conv);
      } else {
        declare(b, linear, conv);
      }
    }
  }

  private static void declareLayer(Block layer, Rule rule) {
    var params = layer.getDirectParameters();
    rule.declare(params.get("weight"), params.get("bias"));
  }
}
