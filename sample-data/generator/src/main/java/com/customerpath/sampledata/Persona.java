package com.customerpath.sampledata;

import java.time.DayOfWeek;
import java.time.LocalDate;

/**
 * A planted buyer persona: everything the generator needs to make one buyer's orders, events and
 * profile. Hours run from {@code fromHour} to {@code toHour}; values past 24 spill into the next
 * morning.
 */
record Persona(
    String name,
    Weighted<String> channels,
    Weighted<String> payments,
    ShoppingDays shoppingDays,
    double fromHour,
    double toHour,
    int minLines,
    int maxLines,
    double minOrdersPerMonth,
    double maxOrdersPerMonth,
    double meanActiveDays,
    Weighted<String> categories,
    double priceBias,
    double discountChance,
    double returnShare,
    int minHousehold,
    int maxHousehold,
    int minBirthYear,
    int maxBirthYear,
    double femaleShare,
    double meanStageDelayDays,
    double advocateProbability,
    double reviewShare,
    double[] ratingWeights) {

  /** Share of orders that follow the persona's day and hour pattern; the rest are noise. */
  static final double PATTERN_ADHERENCE = 0.9;

  enum ShoppingDays {
    WEEKEND(8.7),
    WEEKDAY(21.7),
    ANY(30.4);

    /** Matching days in an average month, to turn orders per month into a daily probability. */
    final double daysPerMonth;

    ShoppingDays(double daysPerMonth) {
      this.daysPerMonth = daysPerMonth;
    }

    boolean matches(LocalDate date) {
      boolean weekend =
          date.getDayOfWeek() == DayOfWeek.SATURDAY || date.getDayOfWeek() == DayOfWeek.SUNDAY;
      return switch (this) {
        case WEEKEND -> weekend;
        case WEEKDAY -> !weekend;
        case ANY -> true;
      };
    }
  }
}
