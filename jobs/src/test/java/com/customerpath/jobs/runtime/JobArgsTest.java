package com.customerpath.jobs.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobArgsTest {
  @Test
  void parsesDateConfAndOverrides() {
    JobArgs a =
        JobArgs.parse("--date", "2026-06-30", "--conf", "conf/local.conf", "--set", "a.b=c=d");
    assertEquals(LocalDate.parse("2026-06-30"), a.date());
    assertEquals("conf/local.conf", a.confFile());
    assertEquals(Map.of("a.b", "c=d"), a.overrides());
  }

  @Test
  void badDateIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> JobArgs.parse("--date", "30/06/2026"));
    assertEquals("Cannot parse --date '30/06/2026': expected YYYY-MM-DD", e.getMessage());
  }

  @Test
  void missingDateAndUnknownArgument() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> JobArgs.parse("--conf", "x"))
            .getMessage()
            .startsWith("Missing --date"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> JobArgs.parse("--date", "2026-06-30", "--bogus"))
            .getMessage()
            .startsWith("Unknown argument '--bogus'"));
  }

  @Test
  void helpNeedsNoDate() {
    assertTrue(JobArgs.parse("--help").help());
  }
}
