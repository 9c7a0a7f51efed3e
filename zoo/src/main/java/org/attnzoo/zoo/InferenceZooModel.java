package org.attnzoo.zoo;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import org.attnzoo.zoo.runtime.Autograd;

/**
 * The {@link ZooModel} the zoo's loaders return: DJL's, with predictors that run the forward pass
 * with PyTorch's autograd off in whichever thread calls them (a web server's request pool, Spark's
 * task threads), and put the thread's switch back afterwards. DJL turns autograd off only in the
 * thread that starts the engine; in any other, each forward would record a gradient graph that
 * inference never uses. A predictor therefore never yields gradients: to differentiate through the
 * model (saliency, adversarial inputs), call its block's {@code forward} inside a {@code
 * GradientCollector}.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class InferenceZooModel<I, O> extends ZooModel<I, O> {

  InferenceZooModel(Model model, Translator<I, O> translator) {
    super(model, translator);
  }

  @Override
  public Predictor<I, O> newPredictor() {
    return newPredictor(getTranslator(), getNDManager().getDevice());
  }

  @Override
  public Predictor<I, O> newPredictor(Device device) {
    return newPredictor(getTranslator(), device);
  }

  @Override
  public <P, Q> Predictor<P, Q> newPredictor(Translator<P, Q> translator) {
    return newPredictor(translator, getNDManager().getDevice());
  }

  @Override
  public <P, Q> Predictor<P, Q> newPredictor(Translator<P, Q> translator, Device device) {
    return new NoGradPredictor<>(getWrappedModel(), translator, device);
  }

  /** DJL's predictor, its forward scoped with autograd off. */
  private static final class NoGradPredictor<P, Q> extends Predictor<P, Q> {

    NoGradPredictor(Model model, Translator<P, Q> translator, Device device) {
      super(model, translator, device, false);
    }

    @Override
    protected NDList predictInternal(TranslatorContext ctx, NDList input)
        throws TranslateException {
      return Autograd.off(model.getNDManager(), () -> super.predictInternal(ctx, input));
    }
  }
}
