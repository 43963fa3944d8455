package com.customerpath.common.config;

/** A missing or wrong configuration value; the message names the key. */
public class ConfigError extends RuntimeException {
  public ConfigError(String message) {
    super(message);
  }

  public ConfigError(String message, Throwable cause) {
    super(message, cause);
  }
}
