package org.attnzoo.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.ClassifierBlock;
import org.attnzoo.nn.Sequences;
import org.attnzoo.nn.TimmInit;

/**
 * The shared part of every backbone: stem, stages, head. A family's constructor adds its children
 * under the reference implementation's names, then hands the chain of children that makes the
 * feature map to {@link #setTrunk} (with the index of each stage in that chain) and declares its
 * initialisation with {@link #declareInit}; it implements the head ({@link #forwardHead}, {@link
 * #initializeHead}, {@link #headToOnnx}, {@link #replaceClassifier}). Families whose features are
 * not a plain chain of children (ViT's tokens, Swin's channels-last maps) override the trunk's
 * methods instead: {@link #forwardFeatures}, {@link #forwardIntermediates}, {@link
 * #initializeFeatures} and {@link #featuresToOnnx}.
 *
 * @param <C> the family's configuration
 */
public abstract class AbstractBackbone<C extends BackboneConfig> extends ClassifierBlock
    implements Backbone, OnnxExportable {

  private final String name;
  private C config;
  private List<Block> trunk = List.of();
  private int[] stageEnds = new int[0];
  private List<FeatureInfo> featureInfo = List.of();
  private TimmInit.Rule linearInit;
  private TimmInit.Rule convInit;

  /**
   * @param name the family's class name, for error messages
   * @param config the architecture
   */
  protected AbstractBackbone(String name, C config) {
    this.name = name;
    this.config = config;
  }

  /**
   * @param trunk the children that turn the image into the feature map, in order ({@code null}
   *     entries are skipped)
   * @param stageEnds for each feature map, the index in {@code trunk} of the child that produces it
   * @param featureInfo what each of those maps is
   */
  protected final void setTrunk(
      List<? extends Block> trunk, int[] stageEnds, List<FeatureInfo> featureInfo) {
    if (stageEnds.length != featureInfo.size()) {
      throw new IllegalArgumentException(
          stageEnds.length + " stage ends for " + featureInfo.size() + " feature maps");
    }
    this.trunk = Collections.unmodifiableList(new ArrayList<>(trunk));
    this.stageEnds = stageEnds.clone();
    setFeatureInfo(featureInfo);
  }

  /**
   * @param featureInfo the feature maps, for families that override {@link #forwardIntermediates}
   */
  protected final void setFeatureInfo(List<FeatureInfo> featureInfo) {
    this.featureInfo = List.copyOf(featureInfo);
  }

  /**
   * Declares the reference initialisation on every Linear and convolution below this block (see
   * {@link TimmInit#declare}); {@link #resetClassifier} declares it again for the new classifier.
   *
   * @param linear the rule of the Linear layers
   * @param conv the rule of the convolutions
   */
  protected final void declareInit(TimmInit.Rule linear, TimmInit.Rule conv) {
    this.linearInit = linear;
    this.convInit = conv;
    TimmInit.declare(this, linear, conv);
  }

  @Override
  public C config() {
    return config;
  }

  /**
   * Checks an input shape: {@code [B, inChans, H, W]}. Families with size limits add theirs.
   *
   * @param in the input shape
   * @throws IllegalArgumentException naming what was expected and what came
   */
  protected void check(Shape in) {
    Checks.rank(name, in, 4, "[B, C, H, W]");
    Checks.size(name, in, 1, config.inputShape().get(0), "channels");
  }

  @Override
  public NDArray forwardFeatures(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    return Sequences.forward(ps, new NDList(image), training, trunk).singletonOrThrow();
  }

  @Override
  public NDList forwardIntermediates(ParameterStore ps, NDArray image, boolean training) {
    check(image.getShape());
    NDList x = new NDList(image);
    NDList out = new NDList();
    int next = 0;
    for (int i = 0; i <= stageEnds[stageEnds.length - 1]; i++) {
      if (trunk.get(i) != null) {
        x = trunk.get(i).forward(ps, x, training);
      }
      if (i == stageEnds[next]) {
        out.add(x.singletonOrThrow());
        next++;
      }
    }
    return out;
  }

  @Override
  public List<FeatureInfo> featureInfo() {
    return featureInfo;
  }

  @Override
  public long numFeatures() {
    return featureInfo.get(featureInfo.size() - 1).numChs();
  }

  @Override
  public long headHiddenSize() {
    return numFeatures();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray features = forwardFeatures(ps, inputs.singletonOrThrow(), training);
    return new NDList(forwardHead(ps, features, training, false));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    int classes = config.numClasses();
    return new Shape[] {new Shape(inputShapes[0].get(0), classes > 0 ? classes : headHiddenSize())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    initializeHead(manager, dataType, initializeFeatures(manager, dataType, shapes[0]));
  }

  /**
   * Initialises the children before the head (by default the trunk's, in order).
   *
   * @param manager where the parameters live
   * @param dataType their data type
   * @param image the input shape
   * @return the shape of {@link #forwardFeatures}' output
   */
  protected Shape initializeFeatures(NDManager manager, DataType dataType, Shape image) {
    return Sequences.initialize(manager, dataType, new Shape[] {image}, trunk)[0];
  }

  /**
   * Initialises the head's children.
   *
   * @param manager where the parameters live
   * @param dataType their data type
   * @param features the shape of {@link #forwardFeatures}' output
   */
  protected abstract void initializeHead(NDManager manager, DataType dataType, Shape features);

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {headToOnnx(g, featuresToOnnx(g, inputs[0]))};
  }

  /**
   * @param g the graph under construction
   * @param image the input's value name
   * @return the value name of {@link #forwardFeatures}' output (by default the trunk's)
   */
  protected String featuresToOnnx(OnnxGraph g, String image) {
    return Sequences.toOnnx(g, new String[] {image}, trunk)[0];
  }

  /**
   * @param g the graph under construction
   * @param features the feature map's value name
   * @return the logits' value name (the pre-logits' with 0 classes)
   */
  protected abstract String headToOnnx(OnnxGraph g, String features);

  @Override
  public final void resetClassifier(int numClasses) {
    Checks.nonNegative("numClasses", numClasses);
    @SuppressWarnings("unchecked")
    C next = (C) config.withNumClasses(numClasses);
    replaceClassifier(numClasses);
    config = next;
    if (linearInit != null) {
      TimmInit.declare(this, linearInit, convInit);
    }
  }

  /**
   * Removes the classifier layers (if any) and adds new ones with {@code numClasses} outputs (none
   * for 0), under the same names; see {@link #removeLastChildren} and {@link #addClassifier}.
   *
   * @param numClasses outputs of the new classifier
   */
  protected abstract void replaceClassifier(int numClasses);

  /**
   * @param first index of the first stage in the trunk
   * @param step children from one stage to the next (2 when each stage has its own downsampling)
   * @param count stages
   * @return the stages' indices in the trunk, for {@link #setTrunk}
   */
  protected static int[] stageIndices(int first, int step, int count) {
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = first + i * step;
    }
    return out;
  }

  /**
   * Global average pooling over H and W, {@code [B, C, H, W] -> [B, C]}.
   *
   * @param x the feature map
   * @return the pooled features
   */
  protected static NDArray averagePool(NDArray x) {
    Shape s = x.getShape();
    // DJL's PyTorch engine averages over one axis at a time: flatten H and W first.
    return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
  }

  /**
   * @param g the graph under construction
   * @param x a {@code [B, C, H, W]} value
   * @return its global average over H and W, {@code [B, C]}
   */
  protected static String averagePoolOnnx(OnnxGraph g, String x) {
    return g.op(
        "ReduceMean",
        new String[] {x},
        OnnxGraph.Attr.ints("axes", 2, 3),
        OnnxGraph.Attr.of("keepdims", 0L));
  }
}
