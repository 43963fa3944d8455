package com.customerpath.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.jobs.ingest.PrivacyTest;
import com.customerpath.jobs.runtime.JobContext;
import com.customerpath.jobs.runtime.JobRunner;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole sample night with pseudonymised customer ids: no output file holds a real id (the
 * sample's ids are C000001 ...) or personal data, and every customer id of the customer-level
 * tables is the HMAC of a real one. Extended phase: a second full sample night.
 */
@Tag("extended")
class PseudonymisedNightTest {
  static final String KEY = "nightly-test-key-0123456789abcdef0123";

  @Test
  void everyOutputCarriesPseudonymsOnly() throws Exception {
    Path output = SparkTestSession.tempDir("pseudonymised-night");
    JobContext ctx =
        SampleRun.context(output, Map.of("customerpath.privacy.pseudonymise-customer-ids", "true"))
            .withEnvironment(Map.of("CUSTOMERPATH_PSEUDONYM_KEY", KEY)::get);
    JobRunner.runAll(ctx, NightlyPipeline.steps());

    Set<String> pseudonyms = new HashSet<>();
    for (String line :
        Files.readAllLines(SparkTestSession.projectRoot().resolve("sample-data/customers.csv"))
            .subList(1, 3601)) {
      pseudonyms.add(PrivacyTest.hmac(KEY, line.split(",")[0]));
    }
    for (String table :
        List.of(
            "customer_features",
            "customer_personas",
            "journey_stages",
            "churn_risk",
            "recommendations",
            "next_best_action")) {
      Dataset<Row> ids = ctx.tables().read(table, SampleRun.DATE).select("customer_id").distinct();
      List<String> values = ids.as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      assertTrue(values.size() > 100, table + " has customers");
      List<String> unknown = values.stream().filter(v -> !pseudonyms.contains(v)).limit(5).toList();
      assertEquals(List.of(), unknown, table + ": ids that are not a customer's pseudonym");
    }

    // A real id is C and six digits, not inside base64 (the report embeds images); the
    // pseudonyms are lowercase hex and cannot match.
    java.util.regex.Pattern realIdOrPersonal =
        java.util.regex.Pattern.compile(
            "(?<![A-Za-z0-9+/=])C\\d{6}(?![A-Za-z0-9+/=])|"
                + PersonalDataScanTest.personalDataPattern().pattern());
    assertEquals(
        Map.of(),
        PersonalDataScanTest.matches(ctx.spark(), output, Map.of("any", realIdOrPersonal))
            .get("any"),
        "rows with real ids or personal data, by table or file");
  }
}
