package com.customerpath.common.io;

import com.customerpath.common.schema.SchemaError;

/** An input that cannot be used as it is (empty, records that do not add up); exit code 3. */
public class InputError extends SchemaError {
  public InputError(String message) {
    super(message);
  }
}
