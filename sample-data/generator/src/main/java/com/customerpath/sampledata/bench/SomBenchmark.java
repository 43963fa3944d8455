package com.customerpath.sampledata.bench;

import com.customerpath.common.som.SelfOrganizingMap;
import com.customerpath.common.som.SelfOrganizingMapModel;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntToLongFunction;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;

/**
 * Seconds per SOM epoch against seconds per MLlib k-means iteration (k = units, "row" and "block"
 * solvers) on the same cached data.
 *
 * <p>Per-iteration time is {@code (T(1 + E) - T(1)) / E}: the difference between a fit with 1 + E
 * iterations and one with 1 cancels initialisation, block building and caching for both algorithms.
 * Each algorithm gets one discarded warm-up fit first (JIT).
 *
 * <p>Usage: {@code SomBenchmark [--rows N] [--features D] [--epochs E] [--grid S] [--partitions P]}
 */
public final class SomBenchmark {
  private static final int CLUSTERS = 20;
  private static final long SEED = 42;

  private SomBenchmark() {}

  /** Benchmark size; see the class comment for the flags. */
  record Options(long rows, int features, int epochs, int side, int partitions) {
    static Options parse(String[] args) {
      long rows = 1_000_000;
      int features = 16;
      int epochs = 5;
      int side = 10;
      int partitions = 2 * Runtime.getRuntime().availableProcessors();
      for (int i = 0; i < args.length; i += 2) {
        String value = i + 1 < args.length ? args[i + 1] : "";
        switch (args[i]) {
          case "--rows" -> rows = Long.parseLong(value);
          case "--features" -> features = Integer.parseInt(value);
          case "--epochs" -> epochs = Integer.parseInt(value);
          case "--grid" -> side = Integer.parseInt(value);
          case "--partitions" -> partitions = Integer.parseInt(value);
          default ->
              throw new IllegalArgumentException(
                  "Unknown argument "
                      + args[i]
                      + "; expected --rows, --features, --epochs, --grid or --partitions");
        }
      }
      return new Options(rows, features, epochs, side, partitions);
    }
  }

  public static void main(String[] args) {
    Options options = Options.parse(args);
    SparkSession spark =
        SparkSession.builder()
            .master("local[*]")
            .appName("som-benchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    try {
      Dataset<Row> data =
          generate(spark, options.rows(), options.features(), options.partitions()).cache();
      long start = System.nanoTime();
      long count = data.count();
      System.out.printf(
          Locale.ROOT,
          "Data: %d rows x %d features in %d partitions, cached in %.1f s (%d cores)%n",
          count,
          options.features(),
          options.partitions(),
          (System.nanoTime() - start) / 1e9,
          Runtime.getRuntime().availableProcessors());

      int side = options.side();
      int units = side * side;
      int e = options.epochs();
      double somEpoch =
          secondsPerIteration(
              "SOM " + side + "x" + side,
              e,
              maxIter -> {
                SelfOrganizingMapModel model =
                    new SelfOrganizingMap()
                        .setGridRows(side)
                        .setGridCols(side)
                        .setMaxIter(maxIter)
                        .setSeed(SEED)
                        .fit(data);
                return model.trainingHistory().size();
              });
      double rowIteration =
          secondsPerIteration(
              "k-means k=" + units + " solver=row",
              e,
              maxIter -> kMeans(data, units, maxIter, "row"));
      double blockIteration =
          secondsPerIteration(
              "k-means k=" + units + " solver=block",
              e,
              maxIter -> kMeans(data, units, maxIter, "block"));

      // Whole fits of the same map, in one task and with one Spark job per epoch: where the
      // first stops paying is where singleTaskMaxRows belongs on this machine.
      double oneTask = secondsPerFit(data, side, e, Long.MAX_VALUE);
      double perEpoch = secondsPerFit(data, side, e, 0);
      System.out.printf(
          Locale.ROOT,
          "SOM %dx%d fit of %d epochs: %.2f s in one task, %.2f s with one Spark job per epoch"
              + " (%.2f)%n",
          side,
          side,
          e,
          oneTask,
          perEpoch,
          oneTask / perEpoch);

      double fastest = Math.min(rowIteration, blockIteration);
      System.out.printf(Locale.ROOT, "%nSOM epoch:                   %.3f s%n", somEpoch);
      System.out.printf(Locale.ROOT, "k-means iteration (row):     %.3f s%n", rowIteration);
      System.out.printf(Locale.ROOT, "k-means iteration (block):   %.3f s%n", blockIteration);
      System.out.printf(
          Locale.ROOT,
          "SOM epoch / fastest k-means iteration: %.2f (target <= 0.5)%n",
          somEpoch / fastest);
      data.unpersist();
    } finally {
      spark.stop();
    }
  }

  private static double secondsPerFit(Dataset<Row> data, int side, int epochs, long maxRows) {
    SelfOrganizingMap som =
        new SelfOrganizingMap()
            .setGridRows(side)
            .setGridCols(side)
            .setMaxIter(epochs)
            .setSeed(SEED)
            .setSingleTaskMaxRows(maxRows);
    som.fit(data); // warm-up
    long start = System.nanoTime();
    som.fit(data);
    return (System.nanoTime() - start) / 1e9;
  }

  private static int kMeans(Dataset<Row> data, int k, int maxIter, String solver) {
    KMeansModel model =
        new KMeans()
            .setK(k)
            .setMaxIter(maxIter)
            .setTol(0.0)
            .setSeed(SEED)
            .setInitMode("random")
            .setSolver(solver)
            .fit(data);
    return model.summary().numIter();
  }

  /** Times fits of 1 and 1 + epochs iterations; {@code fit} returns the iterations it ran. */
  private static double secondsPerIteration(String name, int epochs, IntToLongFunction fit) {
    fit.applyAsLong(1);
    long start = System.nanoTime();
    long shortIterations = fit.applyAsLong(1);
    double shortSeconds = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    long longIterations = fit.applyAsLong(1 + epochs);
    double longSeconds = (System.nanoTime() - start) / 1e9;
    double perIteration = (longSeconds - shortSeconds) / (longIterations - shortIterations);
    System.out.printf(
        Locale.ROOT,
        "%-32s fit(%d): %.2f s, fit(%d): %.2f s -> %.3f s per iteration%n",
        name,
        shortIterations,
        shortSeconds,
        longIterations,
        longSeconds,
        perIteration);
    return perIteration;
  }

  /** A seeded mixture of Gaussian clusters with unit noise, generated on the executors. */
  private static Dataset<Row> generate(
      SparkSession spark, long rows, int features, int partitions) {
    UDF1<Long, Vector> point =
        id -> {
          SplittableRandom centre = new SplittableRandom(SEED + id % CLUSTERS);
          SplittableRandom noise = new SplittableRandom(SEED * 31 + id);
          double[] x = new double[features];
          for (int f = 0; f < features; f++) {
            x[f] = centre.nextDouble(-10, 10) + noise.nextGaussian();
          }
          return Vectors.dense(x);
        };
    return spark
        .range(0, rows, 1, partitions)
        .select(
            functions
                .udf(point, SQLDataTypes.VectorType())
                .apply(functions.col("id"))
                .as("features"));
  }
}
