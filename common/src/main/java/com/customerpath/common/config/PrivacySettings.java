package com.customerpath.common.config;

/**
 * Privacy ({@code customerpath.privacy}): whether customer ids are pseudonymised, and the name of
 * the environment variable that holds the key (the key itself never appears in config or logs).
 */
public record PrivacySettings(boolean pseudonymiseCustomerIds, String keyEnv) {
  static PrivacySettings from(Settings c) {
    String keyEnv = c.string("key-env");
    if (!keyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new ConfigError(
          "Wrong value for config key 'customerpath.privacy.key-env': '"
              + keyEnv
              + "' is not an environment variable name (it names the variable that holds the key,"
              + " never the key itself)");
    }
    return new PrivacySettings(c.read("pseudonymise-customer-ids", c.config()::getBoolean), keyEnv);
  }
}
