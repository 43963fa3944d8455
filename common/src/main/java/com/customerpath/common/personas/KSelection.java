package com.customerpath.common.personas;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

/**
 * Chooses the number of clusters: fits a candidate for every k of a range and keeps the one with
 * the best index (silhouette: highest; Davies-Bouldin: lowest; ties: the smaller k). Written once
 * for every clustering that picks its k this way.
 */
public final class KSelection {
  private KSelection() {}

  /** The index that decides. */
  public enum Criterion {
    SILHOUETTE,
    DAVIES_BOULDIN;

    /** The config spelling, e.g. davies-bouldin. */
    public String key() {
      return com.customerpath.common.config.PipelineSettings.configName(this);
    }

    /** The criterion config spells so (silhouette, davies-bouldin). */
    public static Criterion of(String key) {
      for (Criterion c : values()) {
        if (c.key().equals(key)) {
          return c;
        }
      }
      throw new IllegalArgumentException(
          "Cannot choose k: unknown index (got '"
              + key
              + "', expected one of "
              + java.util.Arrays.stream(values()).map(Criterion::key).toList()
              + ")");
    }

    boolean better(double candidate, double best) {
      if (Double.isNaN(candidate)) {
        return false;
      }
      return Double.isNaN(best) || (this == SILHOUETTE ? candidate > best : candidate < best);
    }
  }

  /** The chosen candidate and its k, with every tried k's score in order. */
  public record Choice<T>(int k, T chosen, double score, Map<Integer, Double> scores) {}

  public static <T> Choice<T> choose(
      int kMin, int kMax, Criterion criterion, IntFunction<T> fit, ToDoubleFunction<T> score) {
    if (kMin > kMax) {
      throw new IllegalArgumentException(
          "Cannot choose k: k-min " + kMin + " is above k-max " + kMax);
    }
    Map<Integer, Double> scores = new LinkedHashMap<>();
    T best = null;
    int bestK = -1;
    double bestScore = Double.NaN;
    for (int k = kMin; k <= kMax; k++) {
      T candidate = fit.apply(k);
      double s = score.applyAsDouble(candidate);
      scores.put(k, s);
      if (best == null || criterion.better(s, bestScore)) {
        best = candidate;
        bestK = k;
        bestScore = s;
      }
    }
    return new Choice<>(bestK, best, bestScore, scores);
  }
}
