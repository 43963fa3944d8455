package com.customerpath.jobs.personas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.customerpath.common.config.PersonaSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Naming and id matching on hand-made profiles and centroids. */
class PersonaUnitsTest {
  static final PersonaNaming NAMING =
      new PersonaNaming(
          Map.of(
              "payment_share_card", new PersonaNaming.Phrase("card-paying", ""),
              "weekend_share", new PersonaNaming.Phrase("weekend", "weekday"),
              "household_size", new PersonaNaming.Phrase("family", "single"),
              "frequency", new PersonaNaming.Phrase("frequent", "occasional")),
          "{category}",
          0.5,
          3,
          "shoppers");

  @Test
  void namesFromTheMostDistinctiveFeatures() {
    Map<String, Double> z = new LinkedHashMap<>();
    z.put("weekend_share", 1.9);
    z.put("payment_share_card", 2.5);
    z.put("household_size", 1.2);
    z.put("frequency", 0.1); // below the threshold: not distinctive
    assertEquals(List.of("card-paying", "weekend", "family"), NAMING.phrasesFor(z));
    assertEquals("card-paying weekend family shoppers", NAMING.names(Map.of(1, z)).get(1));
  }

  @Test
  void lowValuesUseTheLowPhraseAndCategoriesTheTemplate() {
    Map<String, Double> z = new LinkedHashMap<>();
    z.put("weekend_share", -1.5);
    z.put("category_share_garden_tools", 1.0);
    assertEquals("weekday garden tools shoppers", NAMING.names(Map.of(1, z)).get(1));
  }

  @Test
  void namesAreUniqueWithinARun() {
    Map<String, Double> a = Map.of("weekend_share", 2.0, "frequency", 0.9);
    Map<String, Double> b = Map.of("weekend_share", 1.5, "frequency", -0.8);
    Map<String, Double> c = Map.of("weekend_share", 1.5);
    {
      PersonaNaming twoWords =
          new PersonaNaming(
              Map.of(
                  "weekend_share",
                  new PersonaNaming.Phrase("weekend", "weekday"),
                  "frequency",
                  new PersonaNaming.Phrase("frequent", "occasional")),
              "{category}",
              0.5,
              1,
              "shoppers");
      Map<Integer, Map<String, Double>> profiles = new LinkedHashMap<>();
      profiles.put(1, a);
      profiles.put(2, b);
      profiles.put(3, c);
      Map<Integer, String> names = twoWords.names(profiles);
      assertEquals("weekend shoppers", names.get(1));
      assertEquals("weekend occasional shoppers", names.get(2), "takes its next phrase");
      assertEquals("weekend shoppers 2", names.get(3), "no phrase left: numbered");
    }
  }

  static final PersonaNaming LEAD =
      new PersonaNaming(
          Map.of(
              "monetary", new PersonaNaming.Phrase("high-value", "low-spend"),
              "frequency", new PersonaNaming.Phrase("loyal", "occasional"),
              "recency_days", new PersonaNaming.Phrase("lapsing", ""),
              "tenure_days", new PersonaNaming.Phrase("long-standing", "new"),
              "avg_basket_value", new PersonaNaming.Phrase("big-basket", "small-basket"),
              "daypart_share_evening", new PersonaNaming.Phrase("evening", ""),
              "payment_share_cash", new PersonaNaming.Phrase("cash-paying", "")),
          "{category}",
          0.5,
          3,
          "shoppers",
          List.of("monetary"),
          List.of("frequency", "recency_days", "tenure_days"));

  @Test
  void namesLeadWithValueAndLoyaltyThenBehaviour() {
    Map<String, Double> z = new LinkedHashMap<>();
    z.put(
        "daypart_share_evening",
        2.4); // the most distinctive, but behaviour comes after value and loyalty
    z.put("monetary", 0.9);
    z.put("frequency", 1.1);
    z.put("recency_days", -0.7);
    z.put("payment_share_cash", 0.6);
    assertEquals(List.of("high-value", "loyal", "evening", "cash-paying"), LEAD.phrasesFor(z));
    assertEquals("high-value loyal evening shoppers", LEAD.names(Map.of(1, z)).get(1));

    Map<String, Double> lapsing = new LinkedHashMap<>();
    lapsing.put("monetary", 0.2); // average spend: no value phrase
    lapsing.put("recency_days", 1.8);
    lapsing.put("frequency", -0.9);
    lapsing.put("avg_basket_value", 1.2);
    assertEquals("lapsing big-basket shoppers", LEAD.names(Map.of(1, lapsing)).get(1));

    Map<String, Double> fresh =
        Map.of("monetary", -1.0, "tenure_days", -1.5, "daypart_share_evening", 0.1);
    assertEquals("low-spend new shoppers", LEAD.names(Map.of(1, fresh)).get(1));
  }

  @Test
  void descriptionFromTheProfile() {
    Map<String, Double> means = new LinkedHashMap<>();
    means.put("monetary", 300.0);
    means.put("frequency", 2.0);
    means.put("recency_days", 12.4);
    means.put("daypart_share_evening", 0.7);
    means.put("daypart_share_morning", 0.2);
    means.put("category_share_toys", 0.5);
    means.put("category_share_kids", 0.3);
    means.put("category_share_books", 0.0);
    Map<String, Double> overall = Map.of("monetary", 100.0, "frequency", 4.0);
    Map<String, Double> z =
        new LinkedHashMap<>(
            Map.of(
                "weekend_share",
                1.3,
                "payment_share_cash",
                0.9,
                "channel_share_app",
                0.2,
                "daypart_share_evening",
                1.1,
                "daypart_share_morning",
                -0.4));
    assertEquals(
        "812 customers (13.8%); spend 3.0x, purchases 0.5x the average; last bought 12 days ago; "
            + "mostly evening, weekends; pays by cash; top categories: toys, kids",
        LEAD.describe(812, 0.138, means, overall, z),
        "no distinctive category: the largest shares");
    z.put("category_share_books", 0.8);
    z.put("daypart_share_evening", 0.1);
    assertEquals(
        "812 customers (13.8%); spend 3.0x, purchases 0.5x the average; last bought 12 days ago; "
            + "weekends; pays by cash; top categories: books",
        LEAD.describe(812, 0.138, means, overall, z),
        "a day part only where it stands out; categories bought more than by others first");
  }

  @Test
  void featuresFallIntoTheirGroups() {
    var groups =
        List.of(
            new com.customerpath.common.config.PersonaSettings.FeatureGroupSettings(
                "value", 2.0, true, List.of("monetary")),
            new com.customerpath.common.config.PersonaSettings.FeatureGroupSettings(
                "time", 1.0, true, List.of("weekend_share", "daypart_share_*")),
            new com.customerpath.common.config.PersonaSettings.FeatureGroupSettings(
                "external", 1.0, false, List.of("*")));
    assertEquals("value", PersonaScaler.groupOf(groups, "monetary").name());
    assertEquals("time", PersonaScaler.groupOf(groups, "daypart_share_night").name());
    assertEquals("external", PersonaScaler.groupOf(groups, "world_population_population").name());
  }

  @Test
  void transformsAsSql() {
    assertEquals(
        "signum(x) * log1p(abs(x))",
        PersonaScaler.expression(PersonaSettings.Transform.LOG1P, "x", null));
    assertEquals("x", PersonaScaler.expression(PersonaSettings.Transform.NONE, "x", null));
  }

  @Test
  void matchingKeepsIdsForNearCentroidsAndNumbersNewOnes() {
    Map<Integer, double[]> previous =
        Map.of(3, new double[] {0, 0}, 7, new double[] {10, 0}, 9, new double[] {0, 10});
    Map<Integer, double[]> tonight = new LinkedHashMap<>();
    tonight.put(1, new double[] {10.2, 0}); // near 7
    tonight.put(2, new double[] {0.1, 0.1}); // near 3
    tonight.put(3, new double[] {50, 50}); // far from everything: new
    PersonaIdMatching.Matching m = PersonaIdMatching.match(tonight, previous, 2.0, 12);
    assertEquals(
        Map.of(1, 7, 2, 3, 3, 13),
        m.finalIdOf(),
        "new ids continue after the highest ever used (12)");
    Map<Integer, PersonaIdMatching.Status> status = new LinkedHashMap<>();
    m.lineage().forEach(l -> status.put(l.personaId(), l.status()));
    assertEquals(PersonaIdMatching.Status.CONTINUING, status.get(7));
    assertEquals(PersonaIdMatching.Status.NEW, status.get(13));
    assertEquals(PersonaIdMatching.Status.VANISHED, status.get(9));
    assertNull(
        m.lineage().stream()
            .filter(l -> l.personaId() == 13)
            .findFirst()
            .orElseThrow()
            .centroidShift());
  }

  @Test
  void firstRunNumbersFromOne() {
    Map<Integer, double[]> tonight =
        new java.util.TreeMap<>(Map.of(1, new double[] {0}, 2, new double[] {1}));
    assertEquals(
        Map.of(1, 1, 2, 2), PersonaIdMatching.match(tonight, Map.of(), 2.0, 0).finalIdOf());
  }
}
