package com.customerpath.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Small helpers that read a key and turn Typesafe's exceptions into errors naming the key. */
final class Settings {
  private Settings() {}

  static <T> T read(Config config, String key, Function<String, T> getter) {
    try {
      return getter.apply(key);
    } catch (ConfigException.Missing e) {
      throw new ConfigError("Missing config key '" + key + "'", e);
    } catch (ConfigException.WrongType e) {
      throw new ConfigError("Wrong type for config key '" + key + "': " + e.getMessage(), e);
    } catch (ConfigException e) {
      throw new ConfigError("Cannot read config key '" + key + "': " + e.getMessage(), e);
    }
  }

  static String string(Config c, String key) {
    return read(c, key, c::getString);
  }

  static int intAtLeast(Config c, String key, int min) {
    int v = read(c, key, c::getInt);
    if (v < min) {
      throw new ConfigError("Wrong value for config key '" + key + "': got " + v + ", expected >= " + min);
    }
    return v;
  }

  static double doubleIn(Config c, String key, double min, double max) {
    double v = read(c, key, c::getDouble);
    if (v < min || v > max) {
      throw new ConfigError("Wrong value for config key '" + key + "': got " + v
          + ", expected a number in [" + min + ", " + max + "]");
    }
    return v;
  }

  static String oneOf(Config c, String key, List<String> allowed) {
    String v = string(c, key);
    if (!allowed.contains(v)) {
      throw new ConfigError("Wrong value for config key '" + key + "': got '" + v + "', expected one of " + allowed);
    }
    return v;
  }

  static List<String> strings(Config c, String key) {
    return read(c, key, c::getStringList);
  }

  /** A flat map of an object's entries as strings (keys may be quoted and contain dots). */
  static Map<String, String> stringMap(Config c, String key) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : read(c, key, c::getObject).entrySet()) {
      Object raw = e.getValue().unwrapped();
      if (raw instanceof Map || raw instanceof List) {
        throw new ConfigError("Wrong type for config key '" + key + "." + e.getKey() + "': expected a plain value");
      }
      out.put(e.getKey(), String.valueOf(raw));
    }
    return out;
  }

  static List<Config> configs(Config c, String key) {
    return new ArrayList<>(read(c, key, c::getConfigList));
  }
}
