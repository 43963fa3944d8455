package com.customerpath.common.privacy;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.config.PrivacySettings;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Replaces a customer id by a keyed hash: the first 128 bits of HMAC-SHA256(key, trimmed id), as 32
 * hex characters. The same id and key give the same pseudonym on every night and in every table, so
 * customers can still be followed; without the key an id cannot be recovered or checked by hashing
 * guesses. The key comes from an environment variable only; {@link #toString} and the query plan (a
 * UDF named {@code pseudonymise}) never show it.
 */
public final class CustomerIdPseudonymiser implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final int MIN_KEY_CHARS = 32;
  private static final String ALGORITHM = "HmacSHA256";

  private final byte[] key;
  private final String keyId;
  // A Mac is not serializable and not thread-safe: one per thread, made on first use.
  private transient volatile ThreadLocal<Mac> macs;

  CustomerIdPseudonymiser(String key) {
    this.key = key.getBytes(StandardCharsets.UTF_8);
    this.keyId = hex(mac().doFinal("customerpath key id".getBytes(StandardCharsets.UTF_8)), 4);
  }

  /**
   * The pseudonymiser the settings ask for, with the key read from {@code environment}; empty when
   * pseudonymisation is off. A missing or short key is a config error naming the variable.
   */
  public static Optional<CustomerIdPseudonymiser> from(
      PrivacySettings settings, Function<String, String> environment) {
    if (!settings.pseudonymiseCustomerIds()) {
      return Optional.empty();
    }
    String key = environment.apply(settings.keyEnv());
    if (key == null || key.isBlank()) {
      throw new ConfigError(
          "Missing environment variable "
              + settings.keyEnv()
              + ": customerpath.privacy.pseudonymise-customer-ids = true needs the key there"
              + " (at least "
              + MIN_KEY_CHARS
              + " characters; customerpath.privacy.key-env names the variable)");
    }
    if (key.length() < MIN_KEY_CHARS) {
      throw new ConfigError(
          "Wrong value in environment variable "
              + settings.keyEnv()
              + ": the pseudonymisation key has "
              + key.length()
              + " characters, at least "
              + MIN_KEY_CHARS
              + " are needed (for example: openssl rand -hex 32)");
    }
    return Optional.of(new CustomerIdPseudonymiser(key));
  }

  /** The pseudonym of one id (trimmed); null and blank ids stay as they are. */
  public String pseudonym(String id) {
    if (id == null || id.isBlank()) {
      return id;
    }
    return hex(mac().doFinal(id.trim().getBytes(StandardCharsets.UTF_8)), 16);
  }

  /** The column's values pseudonymised (as text); null and blank stay, for validation to see. */
  public Column apply(Column id) {
    UDF1<String, String> f = this::pseudonym;
    UserDefinedFunction udf = functions.udf(f, DataTypes.StringType).withName("pseudonymise");
    return udf.apply(id.cast(DataTypes.StringType));
  }

  /**
   * A short public id of the key (an HMAC of a fixed text, not the key): tells whether two runs
   * used the same key without showing it.
   */
  public String keyId() {
    return keyId;
  }

  @Override
  public String toString() {
    return "CustomerIdPseudonymiser(HMAC-SHA256, key id " + keyId + ")";
  }

  private Mac mac() {
    if (macs == null) {
      synchronized (this) {
        if (macs == null) {
          macs = ThreadLocal.withInitial(this::newMac);
        }
      }
    }
    return macs.get();
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Cannot set up " + ALGORITHM, e);
    }
  }

  private static String hex(byte[] bytes, int length) {
    return HexFormat.of().formatHex(bytes, 0, length);
  }
}
