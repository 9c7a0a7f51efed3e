package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The ToSA option group of {@code attnzoo train}: defaults with and without any group option. */
class TrainCommandOptionsTest {

  private static TrainCommand parse(String... args) {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void groupDefaultsApplyWhenNoToSaOptionIsGiven() {
    TrainCommand.TosaOptions o = parse("--epochs", "2").tosaOptions;
    assertFalse(o.anyGiven());
    assertNull(o.teacher);
    assertEquals(1, o.selectorEpochs);
    assertEquals(1e-3, o.selectorLr);
    assertEquals(0.0, o.distill);
    assertEquals(0.0, o.selectorWeight);
    assertEquals(20, o.latencyIters);
  }

  @Test
  void groupDefaultsApplyNextToGivenToSaOptions() {
    TrainCommand.TosaOptions o =
        parse("--recipe", "tosa", "--teacher", "t.params", "--keep-ratio", "0.5", "--distill", "1")
            .tosaOptions;
    assertTrue(o.anyGiven());
    assertEquals(Path.of("t.params"), o.teacher);
    assertEquals(0.5, o.keepRatio);
    assertEquals(1.0, o.distill);
    assertEquals(1, o.selectorEpochs);
    assertEquals(1e-3, o.selectorLr);
    assertEquals(20, o.latencyIters);
  }
}
