package org.attnzoo.training.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records each training batch's loss (the trainer's loss of the batch's predictions) and the global
 * L2 norm of the gradients, before {@code Trainer.step()} uses them.
 */
final class StepRecorder extends TrainingListenerAdapter {

  final List<Float> losses = new ArrayList<>();
  final List<Double> gradNorms = new ArrayList<>();

  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    for (Map.Entry<Device, NDList> e : batchData.getPredictions().entrySet()) {
      try (NDArray loss =
          trainer.getLoss().evaluate(batchData.getLabels().get(e.getKey()), e.getValue())) {
        losses.add(loss.getFloat());
      }
    }
    try (NDManager scope = trainer.getManager().newSubManager()) {
      List<NDArray> grads = new ArrayList<>();
      for (Parameter p : trainer.getModel().getBlock().getParameters().values()) {
        if (p.requiresGradient() && p.getArray().hasGradient()) {
          NDArray g = p.getArray().getGradient();
          g.attach(scope);
          grads.add(g);
        }
      }
      // Measures only: a bound of 0 leaves the gradients as they are.
      gradNorms.add(Gradients.clipGlobalNorm(grads, 0));
    }
  }

  double maxGradNorm() {
    return gradNorms.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  double meanLoss(int from, int to) {
    return losses.subList(from, to).stream()
        .mapToDouble(Float::doubleValue)
        .average()
        .orElseThrow();
  }
}
