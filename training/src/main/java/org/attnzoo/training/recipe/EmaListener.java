package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.Map;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.zoo.io.Tensor;

/**
 * The recipe's weight EMA ({@link Ema}, timm's {@code ModelEmaV2}) as a DJL training listener:
 * after every optimizer step {@code e <- d e + (1 - d) w}, over every parameter of the model
 * (BatchNorm running statistics included, as timm averages the whole state dict).
 *
 * <p>DJL calls {@code onTrainingBatch} after the backward pass but before {@code Trainer.step()},
 * so at that point the weights are still those before this batch's step. The listener therefore
 * folds in the weights one call later: each {@code onTrainingBatch} averages the weights left by
 * the previous batch's step, and {@code onEpoch} and {@code onTrainingEnd} fold in the last step.
 * The averages thus see exactly the weights after each step, as in attnzoo's own loop. EasyTrain
 * validates before {@code onEpoch}, so its validation uses the raw weights; to evaluate the
 * averages, {@link #swap} them in, evaluate, and swap back. The averages live in the model's {@code
 * NDManager}: read them ({@link #averages}) or save the swapped-in model before closing it.
 */
public final class EmaListener extends TrainingListenerAdapter {

  private final double decay;
  private Block block;
  private NDManager manager;
  private Ema ema;
  private boolean stepPending;

  /**
   * @param decay the EMA decay d, in (0, 1) (timm's default 0.9998)
   */
  public EmaListener(double decay) {
    if (!(decay > 0 && decay < 1)) {
      throw new IllegalArgumentException("EMA decay must be in (0, 1), got " + decay);
    }
    this.decay = decay;
  }

  /** {@inheritDoc} */
  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    if (ema == null) {
      // The parameters exist only once the trainer is initialised, after onTrainingBegin.
      block = trainer.getModel().getBlock();
      manager = trainer.getModel().getNDManager().newSubManager();
      ema = new Ema(ParameterPaths.of(block), manager, decay);
    } else {
      flush();
    }
    stepPending = true;
  }

  /** {@inheritDoc} */
  @Override
  public void onEpoch(Trainer trainer) {
    flush();
  }

  /** {@inheritDoc} */
  @Override
  public void onTrainingEnd(Trainer trainer) {
    flush();
  }

  private void flush() {
    if (stepPending) {
      ema.update();
      stepPending = false;
    }
  }

  /**
   * Exchanges the model's weights and the averages (call again to restore), e.g. around an
   * evaluation. A step not yet folded in is folded in first.
   *
   * @throws IllegalStateException before the first training batch
   */
  public void swap() {
    requireStarted();
    flush();
    ema.swap();
  }

  /**
   * @return the averages by dotted parameter path, as host tensors
   * @throws IllegalStateException before the first training batch
   */
  public Map<String, Tensor> averages() {
    requireStarted();
    flush();
    return ema.state();
  }

  private void requireStarted() {
    if (ema == null) {
      throw new IllegalStateException(
          "no averages yet: the EMA starts at the first training batch");
    }
  }
}
