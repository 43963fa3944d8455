package com.customerpath.common.personas;

import com.customerpath.common.som.SelfOrganizingMapSummary;
import java.util.Map;

/**
 * What fitting {@link SomKMeans} left behind: the map's training summary (hit counts, errors per
 * epoch), the k whose fit won ({@code kTried}) and the number of clusters it kept after merging
 * ({@code k}), every tried k's score on the codebook, and the quality figures (as {@link
 * SomKMeansModel#quality()}).
 */
public record SomKMeansSummary(
    SelfOrganizingMapSummary som,
    int kTried,
    int k,
    Map<Integer, Double> scores,
    Map<String, Double> quality) {
  public SomKMeansSummary {
    scores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(scores));
    quality = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(quality));
  }
}
