import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnx.proto.OnnxMl;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The Java ONNX Runtime side of scripts/onnx_fusions.py (the ORT that DJL's onnxruntime-engine
 * ships), run with the jars of {@code cli/target/lib} on the class path:
 *
 * <pre>
 * java -cp 'cli/target/lib/*' scripts/OnnxFusions.java fusions NAME=FILE.onnx ...
 * java -cp 'cli/target/lib/*' scripts/OnnxFusions.java bench THREADS REPEATS \
 *     VARIANT TORCH.onnx [NAME=FILE.onnx ...]
 * </pre>
 *
 * fusions: the op histogram of each file and of ORT's optimised graph (ORT_ENABLE_ALL, written by
 * {@code setOptimizedModelFilePath}), as CSV lines {@code model,stage,op,count}. bench: the files
 * of a variant in one process, interleaved (torch, then each other file, REPEATS rounds), at batch
 * 1 and 8; one CSV line per file with its median, its ratio to torch's median of the same rounds,
 * its largest output difference from torch's, and the load average before and after.
 */
public class OnnxFusions {

  public static void main(String[] args) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    if (args[0].equals("fusions")) {
      System.out.println("model,stage,op,count,onnxruntime");
      for (int i = 1; i < args.length; i++) {
        String[] kv = args[i].split("=", 2);
        Path opt = Files.createTempFile("optimized", ".onnx");
        try (OrtSession.SessionOptions so = options(1)) {
          so.setOptimizedModelFilePath(opt.toString());
          env.createSession(kv[1], so).close();
        }
        print(kv[0], "file", histogram(Path.of(kv[1])), env.getVersion());
        print(kv[0], "optimized", histogram(opt), env.getVersion());
        Files.delete(opt);
      }
    } else if (args[0].equals("bench")) {
      if (args.length < 5 || (args.length > 5 && !args[5].contains("="))) {
        throw new IllegalArgumentException(
            "bench THREADS REPEATS VARIANT TORCH.onnx [NAME=FILE.onnx...]; got "
                + Arrays.toString(args));
      }
      if (!Boolean.getBoolean("noheader")) {
        System.out.println(
            "variant,batch,file,threads,repeats,median_ms,vs_torch,max_abs_diff_vs_torch,"
                + "load_before,load_after,onnxruntime");
      }
      bench(
          env,
          Integer.parseInt(args[1]),
          Integer.parseInt(args[2]),
          args[3],
          args[4],
          Arrays.copyOfRange(args, 5, args.length));
    } else {
      throw new IllegalArgumentException("expected 'fusions' or 'bench', got " + args[0]);
    }
  }

  static OrtSession.SessionOptions options(int threads) throws Exception {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    so.setIntraOpNumThreads(threads);
    so.setInterOpNumThreads(1);
    // Idle intra-op threads spin by default and slow whichever session runs next in this process.
    so.addConfigEntry("session.intra_op.allow_spinning", "0");
    return so;
  }

  static Map<String, Integer> histogram(Path file) throws Exception {
    OnnxMl.ModelProto m;
    try (InputStream in = Files.newInputStream(file)) {
      m = OnnxMl.ModelProto.parseFrom(in);
    }
    Map<String, Integer> h = new TreeMap<>();
    for (OnnxMl.NodeProto n : m.getGraph().getNodeList()) {
      String domain = n.getDomain();
      String op = domain.isEmpty() || domain.equals("ai.onnx") ? n.getOpType() : domain + ":" + n.getOpType();
      h.merge(op, 1, Integer::sum);
    }
    return h;
  }

  static void print(String model, String stage, Map<String, Integer> h, String version) {
    int total = h.values().stream().mapToInt(Integer::intValue).sum();
    System.out.println(model + "," + stage + ",TOTAL," + total + "," + version);
    h.forEach((op, c) -> System.out.println(model + "," + stage + "," + op + "," + c + "," + version));
  }

  static String load() throws Exception {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  static void bench(
      OrtEnvironment env, int threads, int repeats, String variant, String torch, String[] others)
      throws Exception {
    List<String> names = new ArrayList<>(List.of("torch"));
    List<OrtSession> sessions = new ArrayList<>();
    try (OrtSession.SessionOptions so = options(threads)) {
      sessions.add(env.createSession(torch, so));
      for (String o : others) {
        String[] kv = o.split("=", 2);
        names.add(kv[0]);
        sessions.add(env.createSession(kv[1], so));
      }
      long[] dims =
          ((TensorInfo) sessions.get(0).getInputInfo().values().iterator().next().getInfo())
              .getShape();
      for (int batch : new int[] {1, 8}) {
        long[] shape = dims.clone();
        shape[0] = batch;
        float[] x = new float[(int) Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
        Random r = new Random(0);
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) r.nextGaussian();
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
          int n = sessions.size();
          float[][] y = new float[n][];
          List<List<Double>> times = new ArrayList<>();
          for (int k = 0; k < n; k++) {
            OrtSession s = sessions.get(k);
            try (OrtSession.Result res = s.run(Map.of(s.getInputNames().iterator().next(), in))) {
              y[k] = flat(res.get(0).getValue());
            }
            times.add(new ArrayList<>());
          }
          for (int w = 0; w < 3; w++) {
            for (OrtSession s : sessions) {
              s.run(Map.of(s.getInputNames().iterator().next(), in)).close();
            }
          }
          String load0 = load();
          for (int rep = 0; rep < repeats; rep++) {
            for (int i = 0; i < n; i++) {
              int k = rep % 2 == 0 ? i : n - 1 - i; // each file runs first in half the rounds
              OrtSession s = sessions.get(k);
              long t0 = System.nanoTime();
              s.run(Map.of(s.getInputNames().iterator().next(), in)).close();
              times.get(k).add((System.nanoTime() - t0) / 1e6);
            }
          }
          String load1 = load();
          double ref = median(times.get(0));
          for (int k = 0; k < n; k++) {
            double diff = 0;
            for (int i = 0; i < y[0].length; i++) {
              diff = Math.max(diff, Math.abs(y[k][i] - y[0][i]));
            }
            double ms = median(times.get(k));
            System.out.printf(
                Locale.ROOT,
                "%s,%d,%s,%d,%d,%.2f,%.3f,%.2e,%s,%s,%s%n",
                variant, batch, names.get(k), threads, repeats, ms, ms / ref, diff, load0, load1,
                env.getVersion());
          }
        }
      }
    } finally {
      for (OrtSession s : sessions) {
        s.close();
      }
    }
  }

  static float[] flat(Object v) {
    float[][] m = (float[][]) v;
    float[] out = new float[m.length * m[0].length];
    for (int i = 0; i < m.length; i++) {
      System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
    }
    return out;
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
