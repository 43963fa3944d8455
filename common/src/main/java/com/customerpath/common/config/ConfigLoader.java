package com.customerpath.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.io.File;
import java.util.List;
import java.util.Map;

/**
 * Loads the pipeline's configuration, highest precedence first: command-line --set overrides,
 * CONFIG_FORCE_* environment variables, -D system properties, the application's conf file, then
 * reference.conf. The result is checked against reference.conf so a typo in a key's type fails at
 * start-up with the key's name.
 */
public final class ConfigLoader {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfigLoader.class);

  private ConfigLoader() {}

  public static Config load(String confFile, Map<String, String> overrides) {
    Config reference = ConfigFactory.defaultReference();
    Config app = ConfigFactory.empty();
    if (confFile != null && !confFile.isBlank()) {
      File file = new File(confFile);
      if (!file.isFile()) {
        throw new ConfigError(
            "Cannot load config: file " + file.getAbsolutePath() + " does not exist");
      }
      try {
        app = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigError("Cannot load config file " + confFile + ": " + e.getMessage(), e);
      }
    }
    Config cli;
    try {
      cli = ConfigFactory.parseMap(overrides, "command line --set");
    } catch (ConfigException e) {
      throw new ConfigError("Cannot apply --set overrides " + overrides + ": " + e.getMessage(), e);
    }
    try {
      Config merged =
          cli.withFallback(ConfigFactory.systemEnvironmentOverrides())
              .withFallback(ConfigFactory.systemProperties())
              .withFallback(app)
              .withFallback(ConfigFactory.parseResources("reference.conf"))
              .resolve(ConfigResolveOptions.defaults());
      merged.checkValid(reference, "customerpath");
      checkUnknownKeys(merged, reference);
      return merged;
    } catch (ConfigException e) {
      throw new ConfigError("Cannot load config: " + e.getMessage(), e);
    }
  }

  /**
   * A key reference.conf does not know is an error, or a warning (validation.unknown-keys = warn).
   */
  static void checkUnknownKeys(Config merged, Config reference) {
    List<UnknownKeys.Unknown> unknown = UnknownKeys.find(merged, reference);
    if (unknown.isEmpty()) {
      return;
    }
    // Read from the merged config: the typed settings are read after this check.
    String mode =
        merged.hasPath("customerpath.validation.unknown-keys")
            ? merged.getString("customerpath.validation.unknown-keys")
            : PipelineSettings.configName(ValidationSettings.UnknownKey.ERROR);
    if (mode.equals(PipelineSettings.configName(ValidationSettings.UnknownKey.WARN))) {
      unknown.forEach(u -> LOG.warn(u.message()));
      return;
    }
    String more =
        unknown.size() == 1
            ? ""
            : " (and "
                + (unknown.size() - 1)
                + " more: "
                + unknown.subList(1, unknown.size()).stream().map(UnknownKeys.Unknown::key).toList()
                + ")";
    throw new ConfigError(
        unknown.get(0).message()
            + more
            + "; set customerpath.validation.unknown-keys = warn to only warn");
  }
}
