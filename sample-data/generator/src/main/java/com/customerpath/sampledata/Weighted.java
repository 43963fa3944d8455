package com.customerpath.sampledata;

import java.util.ArrayList;
import java.util.List;

/** A categorical distribution over named values, e.g. a persona's channel mix. */
record Weighted<T>(List<T> values, double[] weights) {

  /** Alternating value, weight pairs: {@code Weighted.of("store", 0.9, "online", 0.1)}. */
  @SuppressWarnings("unchecked")
  static <T> Weighted<T> of(Object... valueWeightPairs) {
    List<T> values = new ArrayList<>();
    double[] weights = new double[valueWeightPairs.length / 2];
    for (int i = 0; i < valueWeightPairs.length; i += 2) {
      values.add((T) valueWeightPairs[i]);
      weights[i / 2] = ((Number) valueWeightPairs[i + 1]).doubleValue();
    }
    return new Weighted<>(List.copyOf(values), weights);
  }

  T pick(Rng rng) {
    return values.get(rng.weightedIndex(weights));
  }
}
