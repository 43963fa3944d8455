package com.customerpath.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.customerpath.common.io.Tables;
import com.customerpath.jobs.SampleRun;
import com.customerpath.testing.SparkTestSession;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A learned blend is used again on later nights until it is too old or the settings change. */
class BlendStoreTest {
  private static final LocalDate LEARNED = LocalDate.parse("2026-06-01");
  private static final double[] WEIGHTS = {0.1, 0.2, 0.0, 0.5, 0.2, 0.0};
  private static final double[] HEAVY = {0.7, 0.3, 0.0, 0.0, 0.0, 0.0};

  private static Recommender.Params params(Map<String, String> overrides) {
    Path out = SparkTestSession.tempDir("blend-store-settings");
    return Recommender.Params.from(
        SampleRun.settings("conf/local.conf", out, overrides).recommendations());
  }

  @Test
  void aLearnedBlendIsKeptForRelearnDaysWithTheSameSettings() {
    Tables tables =
        new Tables(SparkTestSession.get(), SparkTestSession.tempDir("blend-store").toString());
    Recommender.Params p = params(Map.of()); // relearn-days = 7
    BlendStore.save(
        tables,
        LEARNED,
        new BlendStore.Stored(
            new Blend.Fit(WEIGHTS, 0.42, 1234, true, Map.of(Blend.HEAVY, HEAVY), 4), LEARNED),
        p);

    BlendStore.Stored kept = BlendStore.reusable(tables, LEARNED.plusDays(6), p).orElseThrow();
    assertArrayEquals(WEIGHTS, kept.fit().weights(), 0);
    assertEquals(java.util.Set.of(Blend.HEAVY), kept.fit().bySegment().keySet());
    assertArrayEquals(HEAVY, kept.fit().weightsOf(Blend.HEAVY), 0);
    assertArrayEquals(WEIGHTS, kept.fit().weightsOf(Blend.LIGHT), 0, "no weights of its own");
    assertEquals(0.42, kept.fit().validationNdcg());
    assertEquals(1234, kept.fit().customers());
    assertEquals(LEARNED, kept.learnedOn());
    assertTrue(BlendStore.reusable(tables, LEARNED, p).isPresent(), "a re-run of the night");

    assertTrue(BlendStore.reusable(tables, LEARNED.plusDays(7), p).isEmpty(), "7 days old");
    assertTrue(BlendStore.reusable(tables, LEARNED.minusDays(1), p).isEmpty(), "a night before");
    Recommender.Params otherWeights =
        params(Map.of("customerpath.recommendations.blend.weights.als", "0.9"));
    assertTrue(BlendStore.reusable(tables, LEARNED.plusDays(1), otherWeights).isEmpty());
    Recommender.Params otherPolicy =
        params(Map.of("customerpath.recommendations.repeat-purchase", "always"));
    assertTrue(BlendStore.reusable(tables, LEARNED.plusDays(1), otherPolicy).isEmpty());
    Recommender.Params oneBlend =
        params(Map.of("customerpath.recommendations.blend.by-segment", "false"));
    assertTrue(BlendStore.reusable(tables, LEARNED.plusDays(1), oneBlend).isEmpty());
    Recommender.Params everyNight =
        params(Map.of("customerpath.recommendations.blend.relearn-days", "1"));
    assertTrue(BlendStore.reusable(tables, LEARNED.plusDays(1), everyNight).isEmpty());
  }

  @Test
  void fixedWeightsAreNotKept() {
    Tables tables =
        new Tables(SparkTestSession.get(), SparkTestSession.tempDir("blend-fixed").toString());
    Recommender.Params p = params(Map.of());
    BlendStore.save(tables, LEARNED, new BlendStore.Stored(Blend.Fit.fixed(WEIGHTS), LEARNED), p);
    assertTrue(BlendStore.reusable(tables, LEARNED.plusDays(1), p).isEmpty());
  }

  @Test
  void theFingerprintIsTheSameForEqualSettings() {
    assertEquals(
        BlendStore.fingerprint(params(Map.of())), BlendStore.fingerprint(params(Map.of())));
    // Choices are spelt as in config, as before they were enums: blends kept earlier still match.
    String fingerprint = BlendStore.fingerprint(params(Map.of()));
    assertTrue(fingerprint.contains("preference=purchases"), fingerprint);
    assertTrue(fingerprint.contains("togetherMeasure=cosine"), fingerprint);
  }
}
