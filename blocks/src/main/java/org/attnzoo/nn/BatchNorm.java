package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Batch normalisation over axis 1 ({@code [B, C, ...]}), as {@code torch.nn.BatchNorm1d/2d}, with
 * PyTorch's parameter names ({@code weight, bias, running_mean, running_var}) so that checkpoint
 * keys map one to one. In training it normalises with batch statistics and updates the running ones
 * (PyTorch's momentum convention: {@code running = (1 - m) running + m batch}); otherwise it uses
 * the running statistics.
 */
public class BatchNorm extends AbstractBlock implements OnnxExportable {

  private final long channels;
  private final float eps;
  private final float momentum;
  private final Parameter weight;
  private final Parameter bias;
  private final Parameter runningMean;
  private final Parameter runningVar;

  /**
   * @param channels size of axis 1
   * @param eps variance epsilon (PyTorch: 1e-5)
   * @param momentum PyTorch-style momentum of the running statistics (PyTorch: 0.1)
   */
  public BatchNorm(long channels, float eps, float momentum) {
    Checks.positive("BatchNorm channels", channels);
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    weight = addParameter(param("weight", Parameter.Type.GAMMA, Initializer.ONES, true));
    bias = addParameter(param("bias", Parameter.Type.BETA, Initializer.ZEROS, true));
    runningMean =
        addParameter(param("running_mean", Parameter.Type.RUNNING_MEAN, Initializer.ZEROS, false));
    runningVar =
        addParameter(param("running_var", Parameter.Type.RUNNING_VAR, Initializer.ONES, false));
  }

  /**
   * @param channels size of axis 1
   * @return a BatchNorm with PyTorch's defaults (eps 1e-5, momentum 0.1)
   */
  public static BatchNorm of(long channels) {
    return new BatchNorm(channels, 1e-5f, 0.1f);
  }

  private Parameter param(String name, Parameter.Type type, Initializer init, boolean grad) {
    return Parameter.builder()
        .setName(name)
        .setType(type)
        .optShape(new Shape(channels))
        .optInitializer(init)
        .optRequiresGrad(grad)
        .build();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    var device = x.getDevice();
    // DJL's momentum is the weight of the old running value: 1 - PyTorch's.
    return ai.djl.nn.norm.BatchNorm.batchNorm(
        x,
        ps.getValue(runningMean, device, training),
        ps.getValue(runningVar, device, training),
        ps.getValue(weight, device, training),
        ps.getValue(bias, device, training),
        1,
        1f - momentum,
        eps,
        training);
  }

  private void check(Shape in) {
    if (in.dimension() < 2) {
      throw new IllegalArgumentException(
          "BatchNorm expects an input [B, C, ...] of rank >= 2, got shape " + in);
    }
    Checks.size("BatchNorm", in, 1, channels, "channels");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return inputShapes;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    // Inference form: normalises with the running statistics.
    return new String[] {
      g.op(
          "BatchNormalization",
          new String[] {
            inputs[0], g.param(weight), g.param(bias), g.param(runningMean), g.param(runningVar)
          },
          OnnxGraph.Attr.of("epsilon", eps))
    };
  }
}
