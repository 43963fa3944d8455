package com.customerpath.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads keys of one config object and turns Typesafe's exceptions into errors that name the full
 * key (e.g. customerpath.personas.k), whatever sub-object is being read.
 */
final class Settings {
  private final Config config;
  private final String prefix;

  Settings(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  String name(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  Settings at(String key) {
    return new Settings(read(key, config::getConfig), name(key));
  }

  boolean has(String key) {
    return config.hasPath(key);
  }

  <T> T read(String key, Function<String, T> getter) {
    try {
      return getter.apply(key);
    } catch (ConfigException.Missing e) {
      throw new ConfigError("Missing config key '" + name(key) + "'", e);
    } catch (ConfigException.WrongType e) {
      throw new ConfigError("Wrong type for config key '" + name(key) + "': " + e.getMessage(), e);
    } catch (ConfigException e) {
      throw new ConfigError("Cannot read config key '" + name(key) + "': " + e.getMessage(), e);
    }
  }

  String string(String key) {
    return read(key, config::getString);
  }

  String string(String key, String fallback) {
    return has(key) ? string(key) : fallback;
  }

  long getLong(String key) {
    return read(key, config::getLong);
  }

  int intAtLeast(String key, int min) {
    int v = read(key, config::getInt);
    if (v < min) {
      throw new ConfigError(
          "Wrong value for config key '" + name(key) + "': got " + v + ", expected >= " + min);
    }
    return v;
  }

  double doubleIn(String key, double min, double max) {
    double v = read(key, config::getDouble);
    if (v < min || v > max) {
      throw new ConfigError(
          "Wrong value for config key '"
              + name(key)
              + "': got "
              + v
              + ", expected a number in ["
              + min
              + ", "
              + max
              + "]");
    }
    return v;
  }

  /** A date written YYYY-MM-DD, or "" for none (returned as it is, checked). */
  String dateOrBlank(String key) {
    String v = string(key);
    if (!v.isBlank()) {
      try {
        java.time.LocalDate.parse(v);
      } catch (java.time.format.DateTimeParseException e) {
        throw new ConfigError(
            "Wrong value for config key '"
                + name(key)
                + "': got '"
                + v
                + "', expected YYYY-MM-DD or \"\"");
      }
    }
    return v;
  }

  String oneOf(String key, List<String> allowed) {
    String v = string(key);
    if (!allowed.contains(v)) {
      throw wrongChoice(key, v, allowed);
    }
    return v;
  }

  /**
   * One of an enum's constants, spelt in config in lower case with '-' for '_' (som-kmeans): a
   * choice is checked here once and compared as a constant in the code that uses it.
   */
  <E extends Enum<E>> E choice(String key, Class<E> type) {
    return constant(key, string(key), type);
  }

  /** An object's entries that are each a choice (a feature -> its transform), checked alike. */
  <E extends Enum<E>> Map<String, E> choices(String key, Class<E> type) {
    Map<String, E> out = new LinkedHashMap<>();
    stringMap(key).forEach((entry, v) -> out.put(entry, constant(key + "." + entry, v, type)));
    return out;
  }

  private <E extends Enum<E>> E constant(String key, String v, Class<E> type) {
    List<String> allowed = new java.util.ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      if (PipelineSettings.configName(constant).equals(v)) {
        return constant;
      }
      allowed.add(PipelineSettings.configName(constant));
    }
    throw wrongChoice(key, v, allowed);
  }

  private ConfigError wrongChoice(String key, String value, List<String> allowed) {
    return new ConfigError(
        "Wrong value for config key '"
            + name(key)
            + "': got '"
            + value
            + "', expected one of "
            + allowed);
  }

  List<String> strings(String key) {
    return read(key, config::getStringList);
  }

  /** A flat map of an object's entries as strings (keys may be quoted and contain dots). */
  Map<String, String> stringMap(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : read(key, config::getObject).entrySet()) {
      Object raw = e.getValue().unwrapped();
      if (raw instanceof Map || raw instanceof List) {
        throw new ConfigError(
            "Wrong type for config key '"
                + name(key)
                + "."
                + e.getKey()
                + "': expected a plain value");
      }
      out.put(e.getKey(), String.valueOf(raw));
    }
    return out;
  }

  /** The keys of an object. */
  List<String> keys(String key) {
    return new ArrayList<>(read(key, config::getObject).keySet());
  }

  /** The keys of this object itself. */
  List<String> keys() {
    return new ArrayList<>(config.root().keySet());
  }

  /** Entries of a list of objects, each named by its index. */
  List<Settings> list(String key) {
    List<? extends Config> items = read(key, config::getConfigList);
    List<Settings> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(new Settings(items.get(i), name(key) + "[" + i + "]"));
    }
    return out;
  }

  /** A child whose key may contain dots or other special characters. */
  Settings child(String key) {
    return at("\"" + key + "\"").renamed(name(key));
  }

  private Settings renamed(String newPrefix) {
    return new Settings(config, newPrefix);
  }

  Config config() {
    return config;
  }
}
