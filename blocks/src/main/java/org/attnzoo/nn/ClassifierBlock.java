package org.attnzoo.nn;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import java.util.Locale;

/**
 * A block whose classifier layers are its last children, so that they can be replaced in place
 * (timm's {@code reset_classifier}): the replacement is appended where the old layers were, so the
 * block's parameter order, and with it the {@code .params} layout, is that of a block built with
 * the new number of classes from the start.
 */
public abstract class ClassifierBlock extends AbstractBlock {

  /**
   * Adds a classifier child: a linear layer with {@code numClasses} outputs, or nothing for 0.
   *
   * @param name the child's name, the reference implementation's attribute
   * @param numClasses outputs
   * @return the new, uninitialised layer, or null when {@code numClasses == 0}
   */
  protected final Linear addClassifier(String name, int numClasses) {
    Checks.nonNegative("numClasses", numClasses);
    return numClasses > 0
        ? addChildBlock(name, Linear.builder().setUnits(numClasses).build())
        : null;
  }

  /**
   * Removes the last children, which must carry these names in this order.
   *
   * @param names the children's names as given to {@code addChildBlock}
   * @throws IllegalStateException if the last children are not these
   */
  protected final void removeLastChildren(String... names) {
    int first = children.size() - names.length;
    for (int i = 0; i < names.length; i++) {
      // DJL keys each child by its 1-based position and its name: "05head".
      String want = String.format(Locale.ROOT, "%02d%s", first + i + 1, names[i]);
      String got = first + i >= 0 ? children.keyAt(first + i) : null;
      if (!want.equals(got)) {
        throw new IllegalStateException(
            "the classifier must be the last children, expected " + want + " but found " + got);
      }
    }
    for (int i = names.length - 1; i >= 0; i--) {
      children.remove(first + i);
    }
  }
}
