package org.attnzoo.zoo;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.attnzoo.zoo.runtime.Engines;

/**
 * The engine {@code auto} runs a variant on for inference: the one measured fastest for that
 * variant and batch size on the CPU, among those this process can load.
 *
 * <p>The measurements ship with the zoo ({@code engine-latency.csv} beside this class, made by
 * {@code scripts/engine_table_java.sh}: attnzoo on DJL's PyTorch engine against attnzoo's ONNX
 * export on DJL's OnnxRuntime engine, the runtime {@code auto} loads, calls interleaved in one
 * JVM). A variant without measurements stays on PyTorch: the gain of a large model at 224 pixels
 * says nothing about a 32-pixel one. Training, transfer learning and GPUs always use PyTorch: ONNX
 * Runtime runs inference only, and the GPU figures have not been measured.
 */
public final class AutoEngine {

  /** The resource holding the measurements. */
  static final String TABLE = "engine-latency.csv";

  private static final List<Row> ROWS = read(AutoEngine.class.getResourceAsStream(TABLE));

  private AutoEngine() {}

  /**
   * One measurement: median forward latency of a variant on both engines.
   *
   * @param variant the variant
   * @param family its family
   * @param batch the batch size
   * @param pytorchMs median milliseconds on DJL's PyTorch engine
   * @param onnxRuntimeMs median milliseconds of the ONNX export on ONNX Runtime
   * @param source the benchmark run it comes from
   */
  public record Row(
      String variant,
      String family,
      int batch,
      double pytorchMs,
      double onnxRuntimeMs,
      String source) {}

  /**
   * An engine and why it was chosen.
   *
   * @param engine DJL engine name ({@link Engines#PYTORCH} or {@link Engines#ONNX_RUNTIME})
   * @param reason one sentence for {@code attnzoo info} and the log
   */
  public record Choice(String engine, String reason) {}

  /**
   * Chooses the engine for inference on this machine.
   *
   * @param variant the variant
   * @param batch the batch size the caller expects (1 when unknown)
   * @param device the device
   * @return the engine and why
   */
  public static Choice choose(Variant variant, int batch, Device device) {
    return choose(
        variant,
        batch,
        device,
        Engine.hasEngine(Engines.ONNX_RUNTIME),
        Engines.pyTorchUnsupportedHere(),
        ROWS);
  }

  /**
   * The decision of {@link #choose(Variant, int, Device)} for given circumstances, testable
   * anywhere.
   *
   * @param variant the variant
   * @param batch the batch size
   * @param device the device
   * @param onnxRuntimeAvailable whether DJL's OnnxRuntime engine is on the class path
   * @param pyTorchUnsupported whether DJL's PyTorch library cannot run on this CPU
   * @param rows the measurements
   * @return the engine and why
   */
  static Choice choose(
      Variant variant,
      int batch,
      Device device,
      boolean onnxRuntimeAvailable,
      boolean pyTorchUnsupported,
      List<Row> rows) {
    if (pyTorchUnsupported) {
      return new Choice(
          Engines.ONNX_RUNTIME,
          "DJL's PyTorch library needs ARMv8.1 atomics, which this CPU lacks");
    }
    if (device != null && device.isGpu()) {
      return new Choice(Engines.PYTORCH, "on a GPU PyTorch is used: no GPU latency is measured");
    }
    if (!onnxRuntimeAvailable) {
      return new Choice(
          Engines.PYTORCH,
          "DJL's onnxruntime-engine is not on the class path (add it to run exports on ONNX"
              + " Runtime)");
    }
    Row row = nearest(rows, variant, batch);
    if (row == null) {
      return new Choice(Engines.PYTORCH, "no latency measured for " + variant.name());
    }
    boolean ort = row.onnxRuntimeMs() < row.pytorchMs();
    String measured =
        String.format(
            Locale.ROOT,
            "%s at batch %d: %.1f ms on ONNX Runtime vs %.1f ms on PyTorch (%s)",
            row.variant(),
            row.batch(),
            row.onnxRuntimeMs(),
            row.pytorchMs(),
            row.source());
    return new Choice(ort ? Engines.ONNX_RUNTIME : Engines.PYTORCH, "measured " + measured);
  }

  /**
   * @return every measurement shipped with the zoo
   */
  public static List<Row> measurements() {
    return ROWS;
  }

  /**
   * The variant's measurement closest to the request: the nearest batch size (log scale), the
   * smaller batch on a tie; null when the variant was not measured.
   */
  static Row nearest(List<Row> rows, Variant variant, int batch) {
    double target = Math.log(Math.max(1, batch));
    return rows.stream()
        .filter(r -> r.variant().equals(variant.name()))
        .min(
            Comparator.comparingDouble((Row r) -> Math.abs(Math.log(r.batch()) - target))
                .thenComparingInt(Row::batch))
        .orElse(null);
  }

  /**
   * Parses the table: a header line, then {@code variant,family,batch,pytorch_ms,ort_ms,source}.
   */
  static List<Row> read(InputStream in) {
    List<Row> rows = new ArrayList<>();
    if (in == null) {
      return List.of();
    }
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String header = reader.readLine();
      if (header == null || !header.startsWith("variant,family,batch,")) {
        throw new IllegalStateException(TABLE + ": unexpected header " + header);
      }
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(",", 6);
        if (f.length != 6) {
          throw new IllegalStateException(TABLE + ": expected 6 fields in '" + line + "'");
        }
        rows.add(
            new Row(
                f[0],
                f[1],
                Integer.parseInt(f[2]),
                Double.parseDouble(f[3]),
                Double.parseDouble(f[4]),
                f[5]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(rows);
  }
}
