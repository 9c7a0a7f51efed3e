package org.attnzoo.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * What every attnzoo backbone offers, with timm's semantics: {@code forward(x) =
 * forwardHead(forwardFeatures(x))}, the feature maps for dense heads ({@code features_only}), and a
 * replaceable classifier for transfer learning.
 *
 * <pre>{@code
 * Backbone net = Variants.get("swin_tiny_patch4_window7_224").config().newBlock();
 * net.initialize(manager, DataType.FLOAT32, net.config().inputShape(1));
 * NDList maps = net.forwardIntermediates(ps, image, false); // one per net.featureInfo() entry
 * net.resetClassifier(5);                                  // a new, uninitialised 5-class head
 * net.initialize(manager, DataType.FLOAT32, net.config().inputShape(1)); // draws only the head
 * }</pre>
 */
public interface Backbone extends Block {

  /**
   * @return the architecture; after {@link #resetClassifier} it has the new number of classes
   */
  BackboneConfig config();

  /**
   * timm's {@code forward_features}: everything before the head.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the last feature map (its layout is the family's: {@code [B, C, h, w]} for the
   *     convolutional families, channels-last for Swin, tokens {@code [B, N, C]} for ViT)
   */
  NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training);

  /**
   * timm's {@code forward_head(x, pre_logits)}.
   *
   * @param ps the parameter store
   * @param features {@link #forwardFeatures}' output
   * @param training whether in training mode
   * @param preLogits true to stop before the classifier: {@code [B, headHiddenSize()]}
   * @return the logits {@code [B, numClasses]}, or the pre-logits (also when there are 0 classes)
   */
  NDArray forwardHead(ParameterStore ps, NDArray features, boolean training, boolean preLogits);

  /**
   * The maps that {@link #featureInfo} describes, channels-first {@code [B, numChs, H / reduction,
   * W / reduction]}, as timm's {@code features_only} model returns them.
   *
   * @param ps the parameter store
   * @param image {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return one map per {@link #featureInfo} entry, in order
   */
  NDList forwardIntermediates(ParameterStore ps, NDArray image, boolean training);

  /**
   * @return timm's {@code feature_info}: one entry per stage (per layer for ViT)
   */
  List<FeatureInfo> featureInfo();

  /**
   * @return timm's {@code num_features}: channels of the last feature map
   */
  long numFeatures();

  /**
   * @return timm's {@code head_hidden_size}: width of the pre-logits, which the backbone returns
   *     with 0 classes
   */
  long headHiddenSize();

  /**
   * timm's {@code reset_classifier(numClasses)}: replaces the classifier with a new, uninitialised
   * one of {@code numClasses} outputs (none for 0: the backbone then returns its pre-logits) and
   * keeps every other layer and its values. The parameters are then those of {@code
   * config().withNumClasses(numClasses).newBlock()}, path for path and in the same order; {@code
   * initialize} draws the new classifier as the reference initialises it and leaves the rest.
   *
   * @param numClasses classifier outputs, 0 or more
   * @throws IllegalArgumentException if {@code numClasses} is negative
   */
  void resetClassifier(int numClasses);
}
