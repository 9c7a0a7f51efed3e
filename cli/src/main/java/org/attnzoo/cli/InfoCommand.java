package org.attnzoo.cli;

import ai.djl.Device;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.AutoEngine;
import org.attnzoo.zoo.DataConfig;
import org.attnzoo.zoo.Labels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.attnzoo.zoo.runtime.Platforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code attnzoo info VARIANT}: one variant's configuration and exact parameter count. */
@Command(name = "info", description = "Print a variant's configuration and parameter count.")
final class InfoCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "VARIANT", description = "variant name (see list)")
  String name;

  @Override
  public Integer call() {
    Variant v = Variants.get(name);
    Platforms.requireBundledNatives();
    System.out.println("variant: " + v.name());
    System.out.println("family: " + v.family());
    System.out.println("config: " + v.config());
    System.out.println("input: " + v.config().inputShape());
    DataConfig d = v.data();
    System.out.printf(
        Locale.ROOT,
        "data: input_size %s, crop_pct %s, crop_mode %s, interpolation %s, mean %s, std %s,"
            + " labels %s (%d classes)%n",
        Arrays.toString(d.inputSize()),
        d.cropPct(),
        d.cropMode(),
        d.interpolation(),
        Arrays.toString(d.mean()),
        Arrays.toString(d.std()),
        d.labels(),
        Labels.of(d.labels()).size());
    if (d.hasTestSize()) {
      // timm's test_input_size / test_crop_pct, selected with --test-size or optArgument
      System.out.printf(
          "test size: test_input_size %s, test_crop_pct %s (--test-size, optArgument(\"testSize\","
              + " true))%n",
          Arrays.toString(d.testInputSize()), d.testCropPct());
    }
    System.out.println("params: " + AttnZoo.parameterCount(v));
    var r = v.reference();
    System.out.printf(
        "reference: params %d, GMACs %s, top-1 %s (%s)%n",
        r.params(),
        r.gmacs() == null ? "-" : r.gmacs(),
        r.top1() == null ? "-" : r.top1(),
        r.source());
    // What --engine auto (and Criteria without optEngine) picks for CPU inference, and why.
    for (int batch : new int[] {1, 8}) {
      AutoEngine.Choice choice = AutoEngine.choose(v, batch, Device.cpu());
      System.out.printf(
          "engine auto, batch %d: %s (%s)%n", batch, choice.engine(), choice.reason());
    }
    return 0;
  }
}
