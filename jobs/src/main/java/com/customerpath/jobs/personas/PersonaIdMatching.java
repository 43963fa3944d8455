package com.customerpath.jobs.personas;

import com.customerpath.common.personas.OptimalAssignment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps persona ids stable from one night to the next: tonight's personas are matched to the
 * previous run's by a minimum-total-distance assignment of their centroids (both expressed in
 * tonight's standardized feature space). A match closer than maxDistance keeps the previous id; an
 * unmatched or distant persona is new and gets an id never used before; a previous persona left
 * unmatched has vanished.
 */
public final class PersonaIdMatching {
  private PersonaIdMatching() {}

  public enum Status {
    CONTINUING,
    NEW,
    VANISHED
  }

  /** One line of the lineage: a persona id, what happened to it, and how far its centroid moved. */
  public record Lineage(int personaId, Status status, Double centroidShift) {}

  /** Final id of each provisional persona, and the lineage of every id involved. */
  public record Matching(Map<Integer, Integer> finalIdOf, List<Lineage> lineage) {}

  public static Matching match(
      Map<Integer, double[]> tonight,
      Map<Integer, double[]> previous,
      double maxDistance,
      int highestIdEverUsed) {
    List<Integer> tonightIds = new ArrayList<>(tonight.keySet());
    List<Integer> previousIds = new ArrayList<>(previous.keySet());
    double[][] cost = new double[tonightIds.size()][previousIds.size()];
    for (int i = 0; i < tonightIds.size(); i++) {
      for (int j = 0; j < previousIds.size(); j++) {
        cost[i][j] = distance(tonight.get(tonightIds.get(i)), previous.get(previousIds.get(j)));
      }
    }
    int[] assignment =
        previousIds.isEmpty() ? new int[tonightIds.size()] : OptimalAssignment.solve(cost);
    if (previousIds.isEmpty()) {
      java.util.Arrays.fill(assignment, -1);
    }
    Map<Integer, Integer> finalId = new LinkedHashMap<>();
    List<Lineage> lineage = new ArrayList<>();
    boolean[] previousKept = new boolean[previousIds.size()];
    int nextId = highestIdEverUsed + 1;
    for (int i = 0; i < tonightIds.size(); i++) {
      int j = assignment[i];
      if (j >= 0 && cost[i][j] <= maxDistance) {
        finalId.put(tonightIds.get(i), previousIds.get(j));
        previousKept[j] = true;
        lineage.add(new Lineage(previousIds.get(j), Status.CONTINUING, cost[i][j]));
      } else {
        finalId.put(tonightIds.get(i), nextId);
        lineage.add(new Lineage(nextId, Status.NEW, null));
        nextId++;
      }
    }
    for (int j = 0; j < previousIds.size(); j++) {
      if (!previousKept[j]) {
        lineage.add(new Lineage(previousIds.get(j), Status.VANISHED, null));
      }
    }
    return new Matching(finalId, lineage);
  }

  static double distance(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "Cannot compare persona centroids: dimensions differ ("
              + a.length
              + " vs "
              + b.length
              + ")");
    }
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }
}
