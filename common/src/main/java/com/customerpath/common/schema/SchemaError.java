package com.customerpath.common.schema;

/** An input that does not meet the data contract; the message names the source, file and column. */
public class SchemaError extends RuntimeException {
  public SchemaError(String message) {
    super(message);
  }

  public SchemaError(String message, Throwable cause) {
    super(message, cause);
  }
}
