package com.customerpath.common.quality;

/** Too many rows of a source were quarantined: the run stops before publishing (exit code 4). */
public class DataQualityError extends RuntimeException {
  public DataQualityError(String message) {
    super(message);
  }
}
