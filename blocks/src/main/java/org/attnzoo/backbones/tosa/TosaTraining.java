package org.attnzoo.backbones.tosa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.attnzoo.backbones.vit.VisionTransformer;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.nn.Scalars;

/**
 * The losses and parameter sets of the ToSA training recipe (Singh et al., 2024, Sec. 3.2); the
 * training module's {@code TosaRecipe} runs the stages with them:
 *
 * <ol>
 *   <li>train the dense ViT (any ViT recipe); {@link #copyBackbone} moves its weights into a ToSA
 *       model of the same size;
 *   <li>train only the selectors ({@link #selectorParameters}) to predict the dense model's
 *       next-layer attention: {@link #selectorLoss}, the KL divergence between the dense model's
 *       softmax attention of layer {@code i} and the selector's prediction from layer {@code i -
 *       1};
 *   <li>fine-tune the whole ToSA model with selection active: {@link #stage3Loss}, the task loss
 *       optionally plus soft distillation from the dense teacher and the selector loss.
 * </ol>
 */
public final class TosaTraining {

  private TosaTraining() {}

  /**
   * {@code KL(softmax(teacherLogits) || exp(predictedLogProbs))} over the key axis, averaged over
   * batch, heads and query rows.
   *
   * @param predictedLogProbs the selector's log-distributions {@code [B, h, N, N]}
   * @param teacherLogits the target layer's attention logits {@code [B, h, N, N]} (pre-softmax)
   * @return the scalar loss
   */
  public static NDArray attentionKl(NDArray predictedLogProbs, NDArray teacherLogits) {
    if (!predictedLogProbs.getShape().equals(teacherLogits.getShape())) {
      throw new IllegalArgumentException(
          "attentionKl expects equal shapes [B, h, N, N], got prediction "
              + predictedLogProbs.getShape()
              + " and teacher "
              + teacherLogits.getShape());
    }
    NDArray logP = teacherLogits.logSoftmax(-1);
    NDArray kl = logP.exp().mul(logP.sub(predictedLogProbs)).sum(new int[] {-1});
    return kl.mean();
  }

  /**
   * The stage-2 loss: every selector of {@code tosa} reads the teacher's attention logits of the
   * layer before its own and is scored against the teacher's attention of its own layer. The
   * teacher runs densely and without gradient; it may be {@code tosa} itself (its backbone run
   * densely) or a separate dense ViT of the same size.
   *
   * @param tosa the ToSA model whose selectors are trained
   * @param teacher the dense model whose attention is predicted
   * @param ps the parameter store
   * @param images {@code [B, C, H, W]}
   * @param training whether in training mode
   * @return the mean {@link #attentionKl} over the selective layers
   */
  public static NDArray selectorLoss(
      VisionTransformer tosa,
      VisionTransformer teacher,
      ParameterStore ps,
      NDArray images,
      boolean training) {
    List<NDArray> logits = denseAttentionLogits(teacher, ps, images);
    if (logits.size() != tosa.getBlocks().size()) {
      throw new IllegalArgumentException(
          String.format(
              "teacher has %d layers, the ToSA model %d", logits.size(), tosa.getBlocks().size()));
    }
    NDArray total = null;
    int count = 0;
    for (int i = 0; i < logits.size(); i++) {
      if (tosa.getBlocks().get(i) instanceof TokenSelectiveBlock selective) {
        NDArray predicted =
            selective
                .getSelector()
                .forward(ps, new NDList(logits.get(i - 1)), training)
                .singletonOrThrow();
        NDArray kl = attentionKl(predicted, logits.get(i));
        total = total == null ? kl : total.add(kl);
        count++;
      }
    }
    if (total == null) {
      throw new IllegalArgumentException("the model has no ToSA selective layers");
    }
    return Scalars.div(total, count);
  }

  /**
   * Runs {@code model} with every layer dense and returns each layer's attention logits, detached.
   *
   * @param model a ViT whose attention exposes its logits
   * @param ps the parameter store
   * @param images {@code [B, C, H, W]}
   * @return per layer, {@code [B, h, N, N]}
   */
  public static List<NDArray> denseAttentionLogits(
      VisionTransformer model, ParameterStore ps, NDArray images) {
    NDArray x = model.embedTokens(ps, images, false).stopGradient();
    List<NDArray> out = new ArrayList<>();
    for (VitBlock block : model.getBlocks()) {
      NDList y = block.forwardWithAttentionLogits(ps, x, false);
      x = y.get(0).stopGradient();
      out.add(y.get(1).stopGradient());
    }
    return out;
  }

  /**
   * The stage-3 loss: the task loss of the ToSA model's logits (cross-entropy of some kind), plus
   * {@code distillWeight} times {@link #softDistillation} from the dense teacher, plus {@code
   * selectorWeight} times {@link #selectorLoss}. Weights of 0 skip the teacher.
   *
   * @param taskLoss the scalar task loss of {@code logits}
   * @param logits the ToSA model's logits for {@code images}, run with selection active
   * @param tosa the ToSA model
   * @param teacher the dense model (may be null when both weights are 0)
   * @param ps the parameter store
   * @param images {@code [B, C, H, W]}
   * @param distillWeight weight of the logit distillation
   * @param selectorWeight weight of the selector loss
   * @return the scalar loss
   */
  public static NDArray stage3Loss(
      NDArray taskLoss,
      NDArray logits,
      VisionTransformer tosa,
      VisionTransformer teacher,
      ParameterStore ps,
      NDArray images,
      float distillWeight,
      float selectorWeight) {
    NDArray loss = taskLoss;
    if (distillWeight > 0) {
      NDArray t = teacher.forward(ps, new NDList(images), false).singletonOrThrow().stopGradient();
      loss = loss.add(Scalars.mul(softDistillation(logits, t), distillWeight));
    }
    if (selectorWeight > 0) {
      loss = loss.add(Scalars.mul(selectorLoss(tosa, teacher, ps, images, true), selectorWeight));
    }
    return loss;
  }

  /**
   * Soft distillation (Hinton et al., 2015, temperature 1; DeiT's soft variant): {@code mean_i
   * KL(softmax(t_i) || softmax(z_i))}. The teacher's logits should carry no gradient.
   *
   * @param logits the student's {@code [batch, classes]}
   * @param teacherLogits the teacher's {@code [batch, classes]}
   * @return a scalar
   */
  public static NDArray softDistillation(NDArray logits, NDArray teacherLogits) {
    if (!logits.getShape().equals(teacherLogits.getShape())) {
      throw new IllegalArgumentException(
          "logits "
              + logits.getShape()
              + " and teacher logits "
              + teacherLogits.getShape()
              + " differ");
    }
    NDArray logP = teacherLogits.logSoftmax(1);
    return logP.exp().mul(logP.sub(logits.logSoftmax(1))).sum(new int[] {1}).mean();
  }

  /**
   * @param tosa a ToSA model
   * @return the selectors' parameters by dotted path ({@code blocks.3.selector.conv1.weight}, ...)
   */
  public static Map<String, Parameter> selectorParameters(VisionTransformer tosa) {
    Set<Parameter> own = Collections.newSetFromMap(new IdentityHashMap<>());
    for (VitBlock block : tosa.getBlocks()) {
      if (block instanceof TokenSelectiveBlock selective) {
        selective.getSelector().getParameters().values().forEach(own::add);
      }
    }
    Map<String, Parameter> out = new LinkedHashMap<>();
    ParameterPaths.of(tosa)
        .forEach(
            (path, p) -> {
              if (own.contains(p)) {
                out.put(path, p);
              }
            });
    return out;
  }

  /**
   * Stage 1 to 2: copies every parameter of a trained dense ViT into the ToSA model of the same
   * architecture (same paths); the selectors keep their initialisation.
   *
   * @param dense the trained dense model (initialised)
   * @param tosa the ToSA model (initialised)
   * @throws IllegalArgumentException if the parameters do not correspond
   */
  public static void copyBackbone(Block dense, VisionTransformer tosa) {
    Map<String, Parameter> target = ParameterPaths.of(tosa);
    Map<String, Parameter> selectors = selectorParameters(tosa);
    List<String> missing = new ArrayList<>(target.keySet());
    missing.removeAll(selectors.keySet());
    for (Map.Entry<String, Parameter> e : ParameterPaths.of(dense).entrySet()) {
      Parameter t = target.get(e.getKey());
      NDArray src = e.getValue().getArray();
      if (t == null || !t.getArray().getShape().equals(src.getShape())) {
        throw new IllegalArgumentException(
            "dense parameter "
                + e.getKey()
                + " "
                + src.getShape()
                + " has no match in the ToSA model");
      }
      src.copyTo(t.getArray());
      missing.remove(e.getKey());
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "ToSA backbone parameters not in the dense model: " + missing);
    }
  }
}
