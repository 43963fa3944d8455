package com.customerpath.common.som;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The cached feature blocks a map trains on, and the few things training asks of them. Training is
 * the same loop either way; only where a pass runs differs: across the cluster (one Spark job per
 * pass) or inside the one task that holds every block (one Spark job for the whole fit).
 */
interface SomData {
  long rows();

  int dim();

  CodebookInitializer.Moments moments();

  /** n rows drawn with the seed, as copies (with replacement only when asked). */
  List<double[]> sample(boolean withReplacement, int n, long seed);

  PassStatistics pass(BmuSearch search, boolean withSums);

  /** Blocks spread over a cached RDD: every pass is a Spark job with a broadcast codebook. */
  record Distributed(JavaRDD<FeatureBlock> blocks, long rows, int dim) implements SomData {
    @Override
    public CodebookInitializer.Moments moments() {
      return blocks.treeAggregate(
          new CodebookInitializer.Moments(dim),
          CodebookInitializer.Moments::add,
          CodebookInitializer.Moments::merge);
    }

    @Override
    public List<double[]> sample(boolean withReplacement, int n, long seed) {
      return blocks
          .flatMap(block -> block.rowCopies().iterator())
          .takeSample(withReplacement, n, seed);
    }

    @Override
    public PassStatistics pass(BmuSearch search, boolean withSums) {
      Broadcast<BmuSearch> shared =
          JavaSparkContext.fromSparkContext(blocks.context()).broadcast(search);
      try {
        return blocks
            .mapPartitions(part -> List.of(shared.value().accumulate(part, withSums)).iterator())
            .treeAggregate(
                search.emptyStatistics(withSums), PassStatistics::merge, PassStatistics::merge);
      } finally {
        shared.destroy();
      }
    }
  }

  /** Every block in the memory of one task: passes are loops, with no Spark job of their own. */
  record InTask(List<FeatureBlock> blocks, int dim) implements SomData {
    @Override
    public long rows() {
      return blocks.stream().mapToLong(b -> b.size).sum();
    }

    @Override
    public CodebookInitializer.Moments moments() {
      CodebookInitializer.Moments moments = new CodebookInitializer.Moments(dim);
      blocks.forEach(moments::add);
      return moments;
    }

    @Override
    public List<double[]> sample(boolean withReplacement, int n, long seed) {
      List<double[]> all = new ArrayList<>();
      blocks.forEach(block -> all.addAll(block.rowCopies()));
      Random random = new Random(seed);
      List<double[]> out = new ArrayList<>(n);
      if (withReplacement) {
        for (int i = 0; i < n; i++) {
          out.add(all.get(random.nextInt(all.size())));
        }
        return out;
      }
      // A partial Fisher-Yates shuffle: the first n of a seeded permutation.
      for (int i = 0; i < n; i++) {
        int j = i + random.nextInt(all.size() - i);
        double[] chosen = all.get(j);
        all.set(j, all.get(i));
        all.set(i, chosen);
        out.add(chosen);
      }
      return out;
    }

    @Override
    public PassStatistics pass(BmuSearch search, boolean withSums) {
      return search.accumulate(blocks.iterator(), withSums);
    }
  }
}
