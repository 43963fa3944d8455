package com.customerpath.sampledata;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** External reference files: region demographics and the national holiday calendar. */
final class ReferenceData {
  private ReferenceData() {}

  static final int REGION_COUNT = 12;

  /** R12 is deliberately absent from region_demographics.csv to exercise unmatched-key handling. */
  static final int REGIONS_WITH_DEMOGRAPHICS = 11;

  static final int STORE_COUNT = 20;

  private static final String[] REGION_NAMES = {
    "Capital Metro", "North Coast", "East Valley", "South Plains", "West Highlands",
        "Lake District",
    "River Delta", "Central Hills", "Harbour City", "Pine Forest", "Sun Bay", "Far Islands"
  };

  static String regionCode(int index) {
    return String.format("R%02d", index + 1);
  }

  static String storeId(int index) {
    return String.format("S%02d", index + 1);
  }

  static List<String[]> regionDemographicsRows(Rng rng) {
    List<String[]> rows = new ArrayList<>();
    for (int i = 0; i < REGIONS_WITH_DEMOGRAPHICS; i++) {
      boolean metro = i == 0 || i == 8;
      int population =
          metro ? rng.intBetween(900_000, 2_500_000) : rng.intBetween(120_000, 700_000);
      int medianIncome =
          (int) Math.round(rng.uniform(metro ? 42_000 : 28_000, metro ? 61_000 : 45_000) / 100)
              * 100;
      double urbanShare = metro ? rng.uniform(0.85, 0.97) : rng.uniform(0.25, 0.7);
      double householdSize = metro ? rng.uniform(1.8, 2.2) : rng.uniform(2.2, 2.9);
      rows.add(
          new String[] {
            regionCode(i),
            REGION_NAMES[i],
            Integer.toString(population),
            Integer.toString(medianIncome),
            String.format(Locale.ROOT, "%.3f", urbanShare),
            String.format(Locale.ROOT, "%.2f", householdSize)
          });
    }
    return rows;
  }

  record Holiday(LocalDate date, String name, boolean dayOff) {}

  /**
   * A fictional national calendar: 12 public holidays a year plus two shopping observances that are
   * not days off.
   */
  static List<Holiday> holidays(int fromYear, int toYear) {
    List<Holiday> holidays = new ArrayList<>();
    for (int year = fromYear; year <= toYear; year++) {
      LocalDate easter = easterSunday(year);
      holidays.add(new Holiday(LocalDate.of(year, 1, 1), "New Year's Day", true));
      holidays.add(new Holiday(LocalDate.of(year, 1, 2), "New Year Holiday", true));
      holidays.add(new Holiday(easter.minusDays(2), "Good Friday", true));
      holidays.add(new Holiday(easter.plusDays(1), "Easter Monday", true));
      holidays.add(new Holiday(LocalDate.of(year, 5, 1), "Labour Day", true));
      holidays.add(new Holiday(easter.plusDays(39), "Ascension Day", true));
      holidays.add(new Holiday(easter.plusDays(50), "Whit Monday", true));
      holidays.add(new Holiday(LocalDate.of(year, 6, 21), "Midsummer Day", true));
      holidays.add(new Holiday(LocalDate.of(year, 10, 3), "Unity Day", true));
      holidays.add(new Holiday(LocalDate.of(year, 11, 1), "All Saints' Day", true));
      LocalDate blackFriday =
          LocalDate.of(year, 11, 1)
              .with(TemporalAdjusters.dayOfWeekInMonth(4, DayOfWeek.THURSDAY))
              .plusDays(1);
      holidays.add(new Holiday(blackFriday, "Black Friday", false));
      holidays.add(new Holiday(LocalDate.of(year, 12, 24), "Christmas Eve", false));
      holidays.add(new Holiday(LocalDate.of(year, 12, 25), "Christmas Day", true));
      holidays.add(new Holiday(LocalDate.of(year, 12, 26), "Boxing Day", true));
    }
    holidays.sort(Comparator.comparing(Holiday::date));
    return holidays;
  }

  /** Anonymous Gregorian algorithm. */
  static LocalDate easterSunday(int year) {
    int a = year % 19;
    int b = year / 100;
    int c = year % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = ((h + l - 7 * m + 114) % 31) + 1;
    return LocalDate.of(year, month, day);
  }
}
