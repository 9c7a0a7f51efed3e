package org.attnzoo.zoo;

import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooProvider;

/** Registers {@link AttnZooModelZoo} with DJL through {@link java.util.ServiceLoader}. */
public class AttnZooProvider implements ZooProvider {

  @Override
  public ModelZoo getModelZoo() {
    return new AttnZooModelZoo();
  }
}
