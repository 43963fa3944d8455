package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The bounded heap gives what a full sort gives, ties and all. */
class TopIndexesTest {
  @Test
  void firstKEqualsTheFirstKOfAFullSort() {
    Random random = new Random(7);
    for (int round = 0; round < 500; round++) {
      int m = random.nextInt(40);
      int k = random.nextInt(12);
      // Few distinct values, so that ties (broken by the smaller index) are common.
      float[] scores = new float[m];
      for (int j = 0; j < m; j++) {
        scores[j] = random.nextInt(5);
      }
      int[] expected =
          IntStream.range(0, m)
              .boxed()
              .sorted(Comparator.<Integer>comparingDouble(j -> -scores[j]).thenComparingInt(j -> j))
              .limit(k)
              .mapToInt(Integer::intValue)
              .toArray();
      assertArrayEquals(expected, CandidateSources.ProductFactors.best(scores, k), "m=" + m);
    }
  }

  @Test
  void nothingToKeep() {
    assertArrayEquals(new int[0], TopIndexes.first(0, 5, (a, b) -> a < b));
    assertArrayEquals(new int[0], TopIndexes.first(5, 0, (a, b) -> a < b));
    assertArrayEquals(new int[] {4, 3}, TopIndexes.first(5, 2, (a, b) -> a > b));
  }
}
