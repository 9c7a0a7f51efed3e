package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.attnzoo.zoo.io.Npy;
import org.attnzoo.zoo.io.SafeTensors;
import org.attnzoo.zoo.io.Tensor;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.attnzoo.zoo.weights.WeightImporter;

/**
 * A reference fixture copied from {@code shared/fixtures} into the test resources: the reference
 * implementation's weights, an input, and its float64 output on them.
 */
public final class Fixture {

  /** Parity tolerance against the reference's float64 output (max abs). */
  public static final double TOLERANCE = 1e-4;

  private final Path dir;

  private Fixture(Path dir) {
    this.dir = dir;
  }

  /**
   * @param id e.g. {@code models/vit_micro} or {@code blocks/vit_attention}
   * @return the fixture
   */
  public static Fixture of(String id) {
    try {
      var url = Fixture.class.getResource("/fixtures/" + id + "/meta.json");
      if (url == null) {
        throw new IllegalArgumentException("no fixture " + id + " in the test resources");
      }
      return new Fixture(Path.of(url.toURI()).getParent());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @return the reference weights by their reference key
   */
  public Map<String, Tensor> weights() throws IOException {
    return SafeTensors.read(dir.resolve("weights.safetensors"));
  }

  /**
   * @param manager where the array lives
   * @param file e.g. {@code input.npy}
   * @return the array as float32
   */
  public NDArray array(NDManager manager, String file) throws IOException {
    return Npy.read(dir.resolve(file)).toNDArray(manager).toType(DataType.FLOAT32, false);
  }

  /**
   * @param manager where the array lives
   * @return the reference output computed in float64
   */
  public NDArray expected(NDManager manager) throws IOException {
    return Npy.read(dir.resolve("output_f64.npy")).toNDArray(manager);
  }

  /**
   * Initialises {@code block} for the fixture's input, imports the reference weights, runs the
   * input in inference mode and returns the max abs error against the float64 reference.
   *
   * @param manager the manager
   * @param block an uninitialised block built with the fixture's configuration
   * @param mapper the checkpoint mapping
   * @param extraInputs further input files (e.g. a mask) after {@code input.npy}
   * @return max abs error
   */
  public double maxAbsError(
      NDManager manager, Block block, CheckpointMapper mapper, String... extraInputs)
      throws IOException {
    NDList inputs = new NDList(array(manager, "input.npy"));
    for (String extra : extraInputs) {
      inputs.add(array(manager, extra));
    }
    block.initialize(manager, DataType.FLOAT32, inputs.getShapes());
    WeightImporter.load(block, weights(), mapper);
    NDArray out = block.forward(new ParameterStore(manager, false), inputs, false).head();
    NDArray expected = expected(manager);
    assertArrayEquals(
        expected.getShape().getShape(), out.getShape().getShape(), "output shape vs reference");
    Shape inferred = block.getOutputShapes(inputs.getShapes())[0];
    assertArrayEquals(out.getShape().getShape(), inferred.getShape(), "getOutputShapes vs forward");
    double err = out.toType(DataType.FLOAT64, false).sub(expected).abs().max().getDouble();
    assertTrue(Double.isFinite(err), "non-finite output");
    return err;
  }
}
