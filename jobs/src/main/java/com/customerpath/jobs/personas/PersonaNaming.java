package com.customerpath.jobs.personas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Names a persona from its profile (feature -> mean z-score): value first ("high-value",
 * "low-spend"), then loyalty ("loyal", "lapsing", "new") when the persona stands out on them, then
 * its most distinctive other behaviour, e.g. "high-value loyal evening shoppers". Names are unique
 * within a run. Each persona also gets a one-line description of its profile.
 */
public final class PersonaNaming {
  /** Phrases for a feature well above (high) or below (low) the average customer. */
  public record Phrase(String high, String low) {}

  private final Map<String, Phrase> phrases;
  private final String categoryPhrase;
  private final double threshold;
  private final int maxPhrases;
  private final String noun;
  private final List<String> valueFeatures;
  private final List<String> loyaltyFeatures;

  public PersonaNaming(
      Map<String, Phrase> phrases,
      String categoryPhrase,
      double threshold,
      int maxPhrases,
      String noun) {
    this(phrases, categoryPhrase, threshold, maxPhrases, noun, List.of(), List.of());
  }

  public PersonaNaming(
      Map<String, Phrase> phrases,
      String categoryPhrase,
      double threshold,
      int maxPhrases,
      String noun,
      List<String> valueFeatures,
      List<String> loyaltyFeatures) {
    this.phrases = Map.copyOf(phrases);
    this.categoryPhrase = categoryPhrase;
    this.threshold = threshold;
    this.maxPhrases = maxPhrases;
    this.noun = noun;
    this.valueFeatures = List.copyOf(valueFeatures);
    this.loyaltyFeatures = List.copyOf(loyaltyFeatures);
  }

  /**
   * Ranked phrases describing one profile: the value phrase (the first value feature the profile
   * has), the loyalty phrase (the most distinctive loyalty feature), then the other features by
   * |z|, each only where |z| reaches the threshold and a phrase exists for its direction.
   */
  public List<String> phrasesFor(Map<String, Double> zProfile) {
    List<String> out = new ArrayList<>();
    for (String f : valueFeatures) {
      Double z = zProfile.get(f);
      if (z != null && !z.isNaN()) {
        add(out, f, z);
        break;
      }
    }
    List<Map.Entry<String, Double>> loyalty = ranked(zProfile, loyaltyFeatures::contains);
    for (Map.Entry<String, Double> e : loyalty) {
      if (add(out, e.getKey(), e.getValue())) {
        break;
      }
    }
    for (Map.Entry<String, Double> e :
        ranked(zProfile, f -> !valueFeatures.contains(f) && !loyaltyFeatures.contains(f))) {
      add(out, e.getKey(), e.getValue());
    }
    return out;
  }

  private static List<Map.Entry<String, Double>> ranked(
      Map<String, Double> z, java.util.function.Predicate<String> keep) {
    List<Map.Entry<String, Double>> out = new ArrayList<>();
    for (Map.Entry<String, Double> e : z.entrySet()) {
      if (keep.test(e.getKey()) && e.getValue() != null && !e.getValue().isNaN()) {
        out.add(e);
      }
    }
    out.sort(
        Comparator.comparingDouble((Map.Entry<String, Double> e) -> -Math.abs(e.getValue()))
            .thenComparing(Map.Entry::getKey));
    return out;
  }

  /** Adds the feature's phrase if distinctive enough and new; true when added. */
  private boolean add(List<String> out, String feature, double z) {
    if (Math.abs(z) < threshold) {
      return false;
    }
    String phrase = phrase(feature, z > 0);
    if (phrase != null && !phrase.isBlank() && !out.contains(phrase)) {
      out.add(phrase);
      return true;
    }
    return false;
  }

  private String phrase(String feature, boolean high) {
    Phrase p = phrases.get(feature);
    if (p != null) {
      return high ? p.high() : p.low();
    }
    if (high && feature.startsWith("category_share_")) {
      return categoryPhrase.replace(
          "{category}", feature.substring("category_share_".length()).replace('_', ' '));
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
    // Value, loyalty, then behaviour: "high-value loyal evening shoppers".
    return String.join(" ", parts) + " " + noun;
  }

  /**
   * One line from a persona's profile: size, spend and purchases against the average customer, and
   * where they stand out, the time they shop, their channel and their top categories, e.g. "812
   * customers (13.8%); spend 2.3x the average, 0.6x the purchases; evenings, weekends; top
   * categories: kids, toys".
   */
  public String describe(
      long customers,
      double share,
      Map<String, Double> means,
      Map<String, Double> overall,
      Map<String, Double> z) {
    List<String> parts = new ArrayList<>();
    parts.add(String.format(Locale.ROOT, "%,d customers (%.1f%%)", customers, 100 * share));
    List<String> versus = new ArrayList<>();
    ratio(means, overall, "monetary")
        .ifPresent(r -> versus.add(String.format(Locale.ROOT, "spend %.1fx", r)));
    ratio(means, overall, "frequency")
        .ifPresent(r -> versus.add(String.format(Locale.ROOT, "purchases %.1fx", r)));
    ratio(means, overall, "avg_basket_value")
        .ifPresent(r -> versus.add(String.format(Locale.ROOT, "basket %.1fx", r)));
    if (!versus.isEmpty()) {
      parts.add(String.join(", ", versus) + " the average");
    }
    Double recency = means.get("recency_days");
    if (recency != null && !recency.isNaN()) {
      parts.add(String.format(Locale.ROOT, "last bought %.0f days ago", recency));
    }
    List<String> when = new ArrayList<>();
    // The persona's main day part, where it stands out (dates without a time all fall at night).
    distinctive(z, "daypart_share_").forEach(p -> when.add("mostly " + p));
    Double weekend = z.get("weekend_share");
    if (weekend != null && Math.abs(weekend) >= threshold) {
      when.add(weekend > 0 ? "weekends" : "weekdays");
    }
    if (!when.isEmpty()) {
      parts.add(String.join(", ", when));
    }
    List<String> how = new ArrayList<>();
    distinctive(z, "channel_share_").forEach(c -> how.add(c));
    distinctive(z, "payment_share_").forEach(p -> how.add("pays by " + p));
    if (!how.isEmpty()) {
      parts.add(String.join(", ", how));
    }
    // The categories the persona buys more than others do; else the ones it spends most on.
    List<String> categories = distinctive(z, "category_share_", 2);
    if (categories.isEmpty()) {
      categories = top(means, "category_share_", 2);
    }
    if (!categories.isEmpty()) {
      parts.add("top categories: " + String.join(", ", categories));
    }
    return String.join("; ", parts);
  }

  private static java.util.Optional<Double> ratio(
      Map<String, Double> means, Map<String, Double> overall, String f) {
    Double m = means.get(f);
    Double o = overall.get(f);
    return m == null || o == null || m.isNaN() || o.isNaN() || o == 0
        ? java.util.Optional.empty()
        : java.util.Optional.of(m / o);
  }

  /**
   * The n columns of a prefix with the largest positive mean, as words ("daypart_share_evening" ->
   * "evening").
   */
  private static List<String> top(Map<String, Double> means, String prefix, int n) {
    return means.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix) && e.getValue() != null && e.getValue() > 0)
        .filter(e -> !e.getKey().endsWith("_other"))
        .sorted(
            Comparator.comparingDouble((Map.Entry<String, Double> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey))
        .limit(n)
        .map(e -> e.getKey().substring(prefix.length()).replace('_', ' '))
        .toList();
  }

  /** Columns of a prefix where the persona is well above the average, most distinctive first. */
  private List<String> distinctive(Map<String, Double> z, String prefix) {
    return distinctive(z, prefix, 1);
  }

  private List<String> distinctive(Map<String, Double> z, String prefix, int n) {
    return z.entrySet().stream()
        .filter(
            e -> e.getKey().startsWith(prefix) && e.getValue() != null && e.getValue() >= threshold)
        .filter(e -> !e.getKey().endsWith("_other"))
        .sorted(
            Comparator.comparingDouble((Map.Entry<String, Double> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey))
        .limit(n)
        .map(e -> e.getKey().substring(prefix.length()).replace('_', ' '))
        .toList();
  }
}
