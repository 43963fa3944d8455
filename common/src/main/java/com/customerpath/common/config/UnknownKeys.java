package com.customerpath.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keys under {@code customerpath} that reference.conf does not know (a typo such as {@code
 * customerpath.persnas.k-min} would otherwise be ignored), each with the closest known key. Objects
 * whose keys are the user's own (Spark settings, reader options, column mappings, rule and message
 * names ...) are not checked.
 */
public final class UnknownKeys {
  /** Objects whose keys are free, as paths under customerpath ('*' = any one key). */
  private static final List<Pattern> FREE =
      List.of(
              "spark\\.conf",
              "s3\\.extra",
              "defaults(\\..*)?",
              "inputs\\.[^.]+\\.(options|columns|tables)",
              "personas\\.naming\\.phrases",
              "journey\\.rules",
              "recommendations\\.next-best-action\\.(messages|persona-messages)",
              "validation\\.ranges(\\..*)?",
              "validation\\.max-quarantine-share")
          .stream()
          .map(Pattern::compile)
          .toList();

  private UnknownKeys() {}

  /** An unknown key, where it was set, and the closest known key. */
  public record Unknown(String key, String origin, String closest) {
    public String message() {
      return "Unknown config key '" + key + "' (" + origin + "); did you mean '" + closest + "'?";
    }
  }

  public static List<Unknown> find(Config merged, Config reference) {
    List<Unknown> out = new ArrayList<>();
    if (!merged.hasPath(PipelineSettings.ROOT) || !reference.hasPath(PipelineSettings.ROOT)) {
      return out;
    }
    List<String> known = new ArrayList<>();
    collect(reference.getObject(PipelineSettings.ROOT), PipelineSettings.ROOT, known);
    walk(
        merged.getObject(PipelineSettings.ROOT),
        reference.getObject(PipelineSettings.ROOT),
        "",
        known,
        out);
    return out;
  }

  private static void walk(
      ConfigObject actual, ConfigObject ref, String path, List<String> known, List<Unknown> out) {
    for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
      String rel =
          path.isEmpty()
              ? ConfigUtil.joinPath(e.getKey())
              : path + "." + ConfigUtil.joinPath(e.getKey());
      String full = PipelineSettings.ROOT + "." + rel;
      ConfigValue refValue = ref.get(e.getKey());
      if (refValue == null) {
        // Name the keys as written (customerpath.persnas.k-min), not just the unknown object.
        List<String> leaves = new ArrayList<>();
        if (e.getValue().valueType() == ConfigValueType.OBJECT) {
          leaves(e.getValue(), full, leaves);
        } else {
          leaves.add(full);
        }
        for (String leaf : leaves) {
          out.add(new Unknown(leaf, e.getValue().origin().description(), closest(leaf, known)));
        }
        continue;
      }
      if (e.getValue().valueType() == ConfigValueType.OBJECT
          && refValue.valueType() == ConfigValueType.OBJECT
          && FREE.stream().noneMatch(p -> p.matcher(rel).matches())) {
        walk((ConfigObject) e.getValue(), (ConfigObject) refValue, rel, known, out);
      }
    }
  }

  private static void leaves(ConfigValue v, String path, List<String> out) {
    if (v.valueType() != ConfigValueType.OBJECT || ((ConfigObject) v).isEmpty()) {
      out.add(path);
      return;
    }
    for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
      leaves(e.getValue(), path + "." + ConfigUtil.joinPath(e.getKey()), out);
    }
  }

  private static void collect(ConfigObject obj, String path, List<String> out) {
    for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
      String p = path + "." + ConfigUtil.joinPath(e.getKey());
      out.add(p);
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        collect((ConfigObject) e.getValue(), p, out);
      }
    }
  }

  static String closest(String key, List<String> known) {
    String best = "";
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(key, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best;
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
