package org.attnzoo.cli;

import picocli.CommandLine.Option;

/**
 * The options that shape timm's eval transform, shared by {@code predict} and {@code preprocess} so
 * that the tensor {@code preprocess} writes is the one {@code predict} feeds the model.
 */
final class EvalTransformOptions {

  @Option(
      names = "--exif-orientation",
      description = "rotate/flip by the EXIF orientation tag (timm and PIL do not: off by default)")
  boolean exifOrientation;

  @Option(
      names = "--test-size",
      description =
          "run at timm's test_input_size and test_crop_pct (EdgeNeXt: 288 or 320, crop 1.0)")
  boolean testSize;
}
