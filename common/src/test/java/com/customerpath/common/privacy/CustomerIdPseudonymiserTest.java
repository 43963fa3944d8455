package com.customerpath.common.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.config.ConfigError;
import com.customerpath.common.config.PrivacySettings;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CustomerIdPseudonymiserTest {
  static final PrivacySettings ON = new PrivacySettings(true, "CP_KEY");
  static final String KEY = "0123456789abcdef0123456789abcdef-test";

  static CustomerIdPseudonymiser with(String key) {
    return CustomerIdPseudonymiser.from(ON, Map.of("CP_KEY", key)::get).orElseThrow();
  }

  @Test
  void knownVectorAndStableAcrossInstances() {
    // RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?"); a key that
    // short is refused by from(), so the constructor is used directly.
    assertEquals(
        "5bdcc146bf60754e6a042426089575c7",
        new CustomerIdPseudonymiser("Jefe").pseudonym("what do ya want for nothing?"));
    assertEquals(with(KEY).pseudonym("C000001"), with(KEY).pseudonym(" C000001 "));
    assertNotEquals(with(KEY).pseudonym("C000001"), with(KEY).pseudonym("C000002"));
    assertNotEquals(with(KEY).pseudonym("C000001"), with(KEY + "x").pseudonym("C000001"));
    assertTrue(with(KEY).pseudonym("C000001").matches("[0-9a-f]{32}"));
    assertNull(with(KEY).pseudonym(null));
    assertEquals(" ", with(KEY).pseudonym(" "), "blank stays blank: validation reports it missing");
  }

  @Test
  void offUnlessAskedAndTheKeyNeverShows() throws Exception {
    assertTrue(
        CustomerIdPseudonymiser.from(new PrivacySettings(false, "CP_KEY"), k -> KEY).isEmpty());
    ConfigError missing =
        assertThrows(ConfigError.class, () -> CustomerIdPseudonymiser.from(ON, k -> null));
    assertTrue(missing.getMessage().contains("Missing environment variable CP_KEY"));
    ConfigError shortKey =
        assertThrows(ConfigError.class, () -> CustomerIdPseudonymiser.from(ON, k -> "tiny-key"));
    assertFalse(shortKey.getMessage().contains("tiny-key"), shortKey.getMessage());
    CustomerIdPseudonymiser p = with(KEY);
    assertFalse(p.toString().contains(KEY), p.toString());
    assertTrue(p.keyId().matches("[0-9a-f]{8}"));
    assertEquals(p.keyId(), with(KEY).keyId());
    assertNotEquals(p.keyId(), with(KEY + "x").keyId());
    // Serializable for Spark tasks, and still working after the trip.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(p);
    }
    try (var in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      CustomerIdPseudonymiser back = (CustomerIdPseudonymiser) in.readObject();
      assertEquals(p.pseudonym("C1"), back.pseudonym("C1"));
    }
  }
}
