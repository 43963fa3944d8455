package com.customerpath.jobs.journey;

import java.util.Map;
import java.util.TreeMap;

/**
 * Kaplan-Meier estimate of a time-to-event distribution with right censoring. At each distinct time
 * t with d events and n subjects still at risk (time >= t), S(t) = S(t-) * (1 - d / n); subjects
 * censored at t are at risk at t and leave afterwards. The q-quantile is the smallest observed
 * event time with S(t) <= 1 - q, or null when the curve never gets that low (too many subjects
 * censored before it).
 */
public final class KaplanMeier {
  /** Events and censorings at one time. */
  public record Point(long events, long censored) {}

  private final TreeMap<Integer, Point> points = new TreeMap<>();

  public KaplanMeier add(int time, long events, long censored) {
    points.merge(
        time,
        new Point(events, censored),
        (a, b) -> new Point(a.events + b.events, a.censored + b.censored));
    return this;
  }

  public Integer quantile(double q) {
    long atRisk = points.values().stream().mapToLong(p -> p.events + p.censored).sum();
    double survival = 1.0;
    for (Map.Entry<Integer, Point> e : points.entrySet()) {
      Point p = e.getValue();
      if (p.events > 0 && atRisk > 0) {
        survival *= 1.0 - (double) p.events / atRisk;
        if (survival <= 1.0 - q + 1e-12) {
          return e.getKey();
        }
      }
      atRisk -= p.events + p.censored;
    }
    return null;
  }
}
