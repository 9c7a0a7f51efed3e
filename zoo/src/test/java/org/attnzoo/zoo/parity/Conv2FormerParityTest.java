package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.attnzoo.attention.ConvModulation;
import org.attnzoo.backbones.conv2former.Conv2FormerBlock;
import org.attnzoo.backbones.conv2former.Conv2FormerConfig;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.junit.jupiter.api.Test;

/** Conv2Former's modulation and block against the official code on random weights. */
class Conv2FormerParityTest {

  @Test
  void convModulationMatchesOfficial() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/conv2former_convmod: official SpatialAttention(dim=32, kernel_size=11)
      var block = new ConvModulation(32, 11);
      double err =
          Fixture.of("blocks/conv2former_convmod")
              .maxAbsError(manager, block, CheckpointMapper.IDENTITY);
      System.out.printf("parity conv2former_convmod max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void blockMatchesOfficial() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/conv2former_block: official Block(dim=32, kernel_size=7), mlp_ratio 4
      var block = new Conv2FormerBlock(32, 7, 4, 0f, 1e-6f);
      double err =
          Fixture.of("blocks/conv2former_block")
              .maxAbsError(manager, block, CheckpointMapper.IDENTITY);
      System.out.printf("parity conv2former_block max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void microModelMatchesOfficial() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/conv2former_micro (scripts/make_conv2former_fixture.py, official commit 94fd1c4):
      // Conv2Former(kernel_size=7, dims=[16, 32, 48, 64], depths=[1, 1, 2, 1], num_classes=10),
      // input 64x64; covers the stem, the downsampling layers, the 1280-wide head and pred.
      var config =
          Conv2FormerConfig.of(7, List.of(16, 32, 48, 64), List.of(1, 1, 2, 1))
              .withNumClasses(10)
              .withImgSize(64);
      double err =
          Fixture.of("models/conv2former_micro")
              .maxAbsError(manager, config.newBlock(), CheckpointMapper.IDENTITY);
      System.out.printf("parity conv2former_micro max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }
}
