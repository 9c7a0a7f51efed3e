package org.attnzoo.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (a Spark executor, or the driver in local mode): one per {@link ModelSpec}
 * (variant, weights, engine, device, test size, embeddings), loaded lazily by the first task that
 * needs it and shared by every later task; concurrent first tasks wait for the one load. A model
 * that cannot load fails its task (Spark retries, then fails the job), unlike a bad image, which is
 * one error row.
 *
 * <p>Intra-op threads: an executor runs {@code spark.executor.cores / spark.task.cpus} tasks at
 * once, each with its own predictor, so PyTorch gets {@code spark.task.cpus} threads per operator
 * (unless {@code ai.djl.pytorch.num_threads} is set) instead of one per core for each task.
 */
public final class ExecutorModels {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
  private static final Map<ModelSpec, LoadedModel> MODELS = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();
  private static final AtomicInteger PREDICTORS = new AtomicInteger();
  private static final AtomicLong LOAD_NANOS = new AtomicLong();

  private ExecutorModels() {}

  /**
   * @param spec the model
   * @param taskCpus {@code spark.task.cpus}: PyTorch's intra-op threads if not configured
   * @return the model, loaded on first use
   */
  public static LoadedModel get(ModelSpec spec, int taskCpus) {
    LoadedModel m = MODELS.get(spec);
    if (m != null) {
      return m;
    }
    return MODELS.computeIfAbsent(
        spec,
        s -> {
          threads(taskCpus);
          long start = System.nanoTime();
          try {
            LoadedModel loaded = LoadedModel.load(s);
            LOADS.incrementAndGet();
            LOAD_NANOS.addAndGet(System.nanoTime() - start);
            LOG.info(
                "loaded {} ({}, {}) in {} ms",
                s.variant(),
                s.describeWeights(),
                loaded.engine(),
                (System.nanoTime() - start) / 1_000_000);
            return loaded;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /**
   * @return how many models this JVM has loaded since it started (or since {@link #clear})
   */
  public static int loads() {
    return LOADS.get();
  }

  /**
   * @return seconds this JVM has spent loading models (since it started, or since {@link #clear})
   */
  public static double loadSeconds() {
    return LOAD_NANOS.get() / 1e9;
  }

  /**
   * @return how many predictors tasks have opened in this JVM (one per partition and model)
   */
  public static int predictors() {
    return PREDICTORS.get();
  }

  static void predictorOpened() {
    PREDICTORS.incrementAndGet();
  }

  /** Closes every model of this JVM and resets the counters (tests, and the CLI when done). */
  public static synchronized void clear() {
    MODELS.values().forEach(LoadedModel::close);
    MODELS.clear();
    LOADS.set(0);
    LOAD_NANOS.set(0);
    PREDICTORS.set(0);
  }

  /** Sets PyTorch's thread counts before its engine starts, where nobody else has. */
  private static void threads(int taskCpus) {
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(Math.max(1, taskCpus)));
    }
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
  }
}
