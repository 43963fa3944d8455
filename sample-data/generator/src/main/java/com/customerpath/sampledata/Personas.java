package com.customerpath.sampledata;

import com.customerpath.sampledata.Persona.ShoppingDays;
import java.util.List;

/**
 * The six planted buyer personas. Each differs from the others on several observable axes (channel,
 * payment, day/hour, basket size, frequency, price level, categories, returns, profile) so a
 * segmentation of the generated data can recover them.
 */
final class Personas {
  private Personas() {}

  static final Persona WEEKEND_FAMILY =
      new Persona(
          "weekend_family",
          Weighted.of("store", 0.92, "online", 0.08),
          Weighted.of("card", 0.9, "points", 0.1),
          ShoppingDays.WEEKEND,
          9.5,
          17.5,
          5,
          12,
          2,
          4,
          30,
          Weighted.of("groceries", 0.5, "home", 0.2, "kids", 0.25, "sports", 0.05),
          0.0,
          0.1,
          0.02,
          3,
          6,
          1975,
          1992,
          0.55,
          10,
          0.35,
          0.08,
          new double[] {0.03, 0.07, 0.2, 0.4, 0.3});

  static final Persona WEEKDAY_APP_LUNCH =
      new Persona(
          "weekday_app_lunch",
          Weighted.of("app", 0.95, "online", 0.05),
          Weighted.of("points", 0.55, "card", 0.45),
          ShoppingDays.WEEKDAY,
          11.5,
          14.0,
          1,
          2,
          8,
          15,
          20,
          Weighted.of("groceries", 0.75, "health", 0.25),
          -0.3,
          0.1,
          0.01,
          1,
          2,
          1985,
          2000,
          0.5,
          4,
          0.25,
          0.02,
          new double[] {0.05, 0.1, 0.25, 0.35, 0.25});

  static final Persona ONLINE_ELECTRONICS =
      new Persona(
          "online_electronics",
          Weighted.of("online", 0.9, "app", 0.1),
          Weighted.of("card", 0.95, "transfer", 0.05),
          ShoppingDays.ANY,
          19.0,
          23.0,
          1,
          2,
          0.5,
          1,
          150,
          Weighted.of("electronics", 0.85, "sports", 0.1, "books", 0.05),
          0.8,
          0.05,
          0.03,
          1,
          3,
          1980,
          1998,
          0.25,
          18,
          0.4,
          0.3,
          new double[] {0.04, 0.06, 0.15, 0.4, 0.35});

  static final Persona CASH_BARGAIN =
      new Persona(
          "cash_bargain",
          Weighted.of("store", 1.0),
          Weighted.of("cash", 0.93, "card", 0.07),
          ShoppingDays.WEEKDAY,
          8.0,
          11.5,
          3,
          6,
          4,
          8,
          18,
          Weighted.of("groceries", 0.55, "home", 0.2, "health", 0.1, "garden", 0.15),
          -0.9,
          0.35,
          0.01,
          2,
          5,
          1950,
          1990,
          0.6,
          6,
          0.1,
          0.02,
          new double[] {0.1, 0.15, 0.35, 0.25, 0.15});

  static final Persona NIGHT_FASHION_RETURNER =
      new Persona(
          "night_fashion_returner",
          Weighted.of("online", 0.6, "app", 0.4),
          Weighted.of("card", 0.7, "transfer", 0.3),
          ShoppingDays.ANY,
          22.0,
          26.0,
          1,
          4,
          2,
          4,
          40,
          Weighted.of("fashion", 0.75, "beauty", 0.25),
          0.3,
          0.15,
          0.35,
          1,
          2,
          1990,
          2005,
          0.7,
          5,
          0.12,
          0.2,
          new double[] {0.35, 0.3, 0.15, 0.12, 0.08});

  static final Persona CALL_CENTER_SENIOR =
      new Persona(
          "call_center_senior",
          Weighted.of("call_center", 0.95, "store", 0.05),
          Weighted.of("transfer", 0.9, "card", 0.1),
          ShoppingDays.WEEKDAY,
          9.0,
          12.0,
          1,
          4,
          1,
          2,
          80,
          Weighted.of("health", 0.45, "books", 0.3, "garden", 0.25),
          0.0,
          0.05,
          0.03,
          1,
          2,
          1940,
          1960,
          0.55,
          14,
          0.3,
          0.15,
          new double[] {0.03, 0.07, 0.2, 0.4, 0.3});

  static final List<Persona> ALL =
      List.of(
          WEEKEND_FAMILY,
          WEEKDAY_APP_LUNCH,
          ONLINE_ELECTRONICS,
          CASH_BARGAIN,
          NIGHT_FASHION_RETURNER,
          CALL_CENTER_SENIOR);
}
