package com.customerpath.jobs.personas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Names a persona from its most distinctive features: the features whose z-score in the persona
 * is furthest from 0 and that have a configured phrase for that direction, e.g.
 * "card-paying weekend family shoppers". Names are unique within a run.
 */
public final class PersonaNaming {
  /** Phrases for a feature well above (high) or below (low) the average customer. */
  public record Phrase(String high, String low) {}

  private final Map<String, Phrase> phrases;
  private final String categoryPhrase;
  private final double threshold;
  private final int maxPhrases;
  private final String noun;

  public PersonaNaming(Map<String, Phrase> phrases, String categoryPhrase, double threshold, int maxPhrases,
                       String noun) {
    this.phrases = Map.copyOf(phrases);
    this.categoryPhrase = categoryPhrase;
    this.threshold = threshold;
    this.maxPhrases = maxPhrases;
    this.noun = noun;
  }

  /** Ranked phrases describing one profile (feature -> z-score), most distinctive first. */
  public List<String> phrasesFor(Map<String, Double> zProfile) {
    List<Map.Entry<String, Double>> ranked = new ArrayList<>(zProfile.entrySet());
    ranked.sort(Comparator.comparingDouble((Map.Entry<String, Double> e) -> -Math.abs(e.getValue()))
        .thenComparing(Map.Entry::getKey));
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Double> e : ranked) {
      double z = e.getValue();
      if (Double.isNaN(z) || Math.abs(z) < threshold) {
        break;
      }
      String phrase = phrase(e.getKey(), z > 0);
      if (phrase != null && !phrase.isBlank() && !out.contains(phrase)) {
        out.add(phrase);
      }
    }
    return out;
  }

  private String phrase(String feature, boolean high) {
    Phrase p = phrases.get(feature);
    if (p != null) {
      return high ? p.high() : p.low();
    }
    if (high && feature.startsWith("category_share_")) {
      return categoryPhrase.replace("{category}", feature.substring("category_share_".length()).replace('_', ' '));
    }
    return null;
  }

  /**
   * Names for several profiles, unique: each takes up to maxPhrases phrases; a name already taken
   * gets the profile's next phrase, and as a last resort a number.
   */
  public Map<Integer, String> names(Map<Integer, Map<String, Double>> profiles) {
    Map<Integer, String> names = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>();
    for (Map.Entry<Integer, Map<String, Double>> e : profiles.entrySet()) {
      List<String> ranked = phrasesFor(e.getValue());
      int used = Math.min(maxPhrases, ranked.size());
      String name = compose(ranked.subList(0, used));
      while (taken.contains(name) && used < ranked.size()) {
        used++;
        name = compose(ranked.subList(0, used));
      }
      String unique = name;
      for (int n = 2; taken.contains(unique); n++) {
        unique = name + " " + n;
      }
      taken.add(unique);
      names.put(e.getKey(), unique);
    }
    return names;
  }

  private String compose(List<String> parts) {
    if (parts.isEmpty()) {
      return "typical " + noun;
    }
    // Phrases are ranked by distinctiveness; read best as "frequent card-paying weekend shoppers".
    return String.join(" ", parts) + " " + noun;
  }
}
