package com.customerpath.jobs.personas;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Naming and id matching on hand-made profiles and centroids. */
class PersonaUnitsTest {
  static final PersonaNaming NAMING = new PersonaNaming(Map.of(
      "payment_share_card", new PersonaNaming.Phrase("card-paying", ""),
      "weekend_share", new PersonaNaming.Phrase("weekend", "weekday"),
      "household_size", new PersonaNaming.Phrase("family", "single"),
      "frequency", new PersonaNaming.Phrase("frequent", "occasional")), "{category}", 0.5, 3, "shoppers");

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
      PersonaNaming twoWords = new PersonaNaming(Map.of("weekend_share", new PersonaNaming.Phrase("weekend", "weekday"),
          "frequency", new PersonaNaming.Phrase("frequent", "occasional")), "{category}", 0.5, 1, "shoppers");
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

  @Test
  void matchingKeepsIdsForNearCentroidsAndNumbersNewOnes() {
    Map<Integer, double[]> previous = Map.of(3, new double[] {0, 0}, 7, new double[] {10, 0}, 9, new double[] {0, 10});
    Map<Integer, double[]> tonight = new LinkedHashMap<>();
    tonight.put(1, new double[] {10.2, 0});   // near 7
    tonight.put(2, new double[] {0.1, 0.1});  // near 3
    tonight.put(3, new double[] {50, 50});    // far from everything: new
    PersonaIdMatching.Matching m = PersonaIdMatching.match(tonight, previous, 2.0, 12);
    assertEquals(Map.of(1, 7, 2, 3, 3, 13), m.finalIdOf(), "new ids continue after the highest ever used (12)");
    Map<Integer, PersonaIdMatching.Status> status = new LinkedHashMap<>();
    m.lineage().forEach(l -> status.put(l.personaId(), l.status()));
    assertEquals(PersonaIdMatching.Status.CONTINUING, status.get(7));
    assertEquals(PersonaIdMatching.Status.NEW, status.get(13));
    assertEquals(PersonaIdMatching.Status.VANISHED, status.get(9));
    assertNull(m.lineage().stream().filter(l -> l.personaId() == 13).findFirst().orElseThrow().centroidShift());
  }

  @Test
  void firstRunNumbersFromOne() {
    Map<Integer, double[]> tonight = new java.util.TreeMap<>(Map.of(1, new double[] {0}, 2, new double[] {1}));
    assertEquals(Map.of(1, 1, 2, 2), PersonaIdMatching.match(tonight, Map.of(), 2.0, 0).finalIdOf());
  }
}
