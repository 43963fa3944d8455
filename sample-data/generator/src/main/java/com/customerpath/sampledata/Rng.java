package com.customerpath.sampledata;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random helpers; every draw in the generator goes through one of these so output is
 * reproducible.
 */
final class Rng {
  private final SplittableRandom random;

  Rng(long seed) {
    this(new SplittableRandom(seed));
  }

  private Rng(SplittableRandom random) {
    this.random = random;
  }

  /** An independent stream, so one customer's draws never shift another's. */
  Rng split() {
    return new Rng(random.split());
  }

  double uniform() {
    return random.nextDouble();
  }

  double uniform(double from, double to) {
    return from + (to - from) * random.nextDouble();
  }

  /** Inclusive on both ends. */
  int intBetween(int from, int to) {
    return from + random.nextInt(to - from + 1);
  }

  boolean chance(double probability) {
    return random.nextDouble() < probability;
  }

  double exponential(double mean) {
    return -mean * Math.log(1.0 - random.nextDouble());
  }

  double gaussian() {
    // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  int poisson(double mean) {
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    int count = 0;
    while (product > limit) {
      product *= random.nextDouble();
      count++;
    }
    return count;
  }

  <T> T pick(List<T> items) {
    return items.get(random.nextInt(items.size()));
  }

  /** Index drawn with probability proportional to weights. */
  int weightedIndex(double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double target = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      target -= weights[i];
      if (target < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }
}
