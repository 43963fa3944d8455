package com.customerpath.sampledata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes sample-data/README.md from the same definitions and counts that produced the data. */
final class ReadmeWriter {
  private ReadmeWriter() {}

  static void write(
      Path file,
      SampleDataGenerator.Options options,
      Map<String, Integer> rowsPerFile,
      int cleanOrders,
      long ordersInFile,
      Map<Stage, Long> stageCounts)
      throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Customer Path sample data\n\n")
        .append(
            "**Synthetic data.** Every row was made up by the project's own seeded generator; no real person, ")
        .append(
            "shop or transaction is behind it. It is part of this repository and under the project's licence.\n\n")
        .append("## How it was generated\n\n```\n")
        .append(command(options))
        .append("\n```\n\n")
        .append(
            "from the repository root; it builds the generator module if needed and writes to `sample-data/` ")
        .append(
            "(`--out DIR` to write elsewhere; the output directory is left out above so the files do not depend on it).\n\n")
        .append(
            "Generator: `sample-data/generator/src/main/java/com/customerpath/sampledata/SampleDataGenerator.java` ")
        .append(
            "(plain Java, `java.util.SplittableRandom`). The same arguments give byte-identical files; ")
        .append(
            "larger `--customers`/`--prospects` make bigger sets for benchmarks. This README is written by the generator too.\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "- seed: `%d`%n- run (end) date: `%s`; history: %d days, `%s` .. `%s` inclusive%n",
                options.seed(),
                options.endDate(),
                options.days(),
                options.endDate().minusDays(options.days() - 1L),
                options.endDate()))
        .append(
            String.format(
                Locale.ROOT,
                "- buyers: %d (in `truth/customer_personas.csv`), prospects: %d (never buy)%n%n",
                options.buyers(),
                options.prospects()))
        .append(
            "CSV everywhere: header row, comma-separated, UTF-8, `.` decimals, `\\n` line ends; a field is quoted only if it contains a comma ")
        .append(
            "(only some planted bad quantities do). Timestamps are `yyyy-MM-dd HH:mm:ss`, dates `yyyy-MM-dd`, no time zone.\n\n");

    md.append("## Files\n\n| file | rows | what |\n| --- | ---: | --- |\n");
    row(
        md,
        rowsPerFile,
        "transactions.csv",
        String.format(
            Locale.ROOT,
            "Order lines (%d orders in the file, %d of them clean incl. returns): `order_id,line_no,cust_id,order_ts,sku,qty,unit_price,channel,payment_method,store_id,region_code`. "
                + "channel: store/online/app/call_center; payment_method: card/cash/transfer/points; store_id S01..S20 for store orders only; "
                + "region_code R01..R12 (the customer's, 5%% another). Returns are later orders with negative qty for skus bought before. "
                + "Contains the planted bad rows below.",
            ordersInFile,
            cleanOrders));
    row(
        md,
        rowsPerFile,
        "events.csv",
        "Journey and behaviour events: `cust_id,event_ts,event_type,sku,channel,rating,session_id`; rating 1..5 on `review` only.");
    row(
        md,
        rowsPerFile,
        "customers.csv",
        "Buyers and prospects: `cust_id,full_name,email,phone,signup_date,birth_year,gender,region_code,household_size`. full_name, email and phone are made-up personal data (example.com, 555-01xx numbers) that no output may carry; gender F/M/X. Signups spread over the 3 years before the run date; a buyer's signup precedes the first purchase.");
    row(
        md,
        rowsPerFile,
        "products.csv",
        "Catalogue: `sku,category,brand,list_price`; 30 products in each of 10 categories.");
    row(
        md,
        rowsPerFile,
        "external/region_demographics.csv",
        "`region_code,region_name,population,median_income,urban_share,avg_household_size` for R01..R11. **R12 is deliberately missing** (unmatched-key handling).");
    row(
        md,
        rowsPerFile,
        "external/holidays.csv",
        "Fictional national calendar for every year the history touches: `date,holiday_name,is_holiday`; 12 days off a year (`true`) plus Black Friday and Christmas Eve (`false`). Stores are closed on days off.");
    row(
        md,
        rowsPerFile,
        "truth/customer_personas.csv",
        "`cust_id,persona`: the planted persona of every buyer.");
    row(
        md,
        rowsPerFile,
        "truth/journey.csv",
        "`cust_id,persona_or_prospect,final_stage,stages_reached` for every customer, e.g. `aware\\|appeal\\|ask\\|act` (pipe-separated).");
    row(
        md,
        rowsPerFile,
        "truth/planted_rates.csv",
        "`from_stage,to_stage,planted_rate,customers_from,customers_to`: the realised funnel in this data.");
    row(
        md,
        rowsPerFile,
        "truth/quarantine_expected.csv",
        "`reason,rows`: the planted bad transaction rows.");

    md.append(
            "\n## Planted buyer personas\n\nEqual shares (buyer i gets persona i mod 6; customer ids are shuffled). ")
        .append(
            "90% of a persona's orders follow its day and hour pattern, the rest fall on random days/hours. ")
        .append(
            "Each persona has its own ranking of products inside each category (Zipf-weighted picks), tilted to cheap or expensive items by its price bias, ")
        .append(
            "so \"popular within persona\" differs from global popularity. Orders per month hold while a buyer is active: ")
        .append(
            "activity starts at the first purchase and lasts an exponential time (mean below), so many buyers lapse (churn) before the run date.\n\n")
        .append(
            "| persona | channels | payments | days, hours | lines/order | orders/month | mean active days | categories | price bias | returned share of lines | household | birth years | advocate prob. | review share | rating weights 1..5 |\n")
        .append(
            "| --- | --- | --- | --- | --- | --- | ---: | --- | ---: | ---: | --- | --- | ---: | ---: | --- |\n");
    for (Persona p : Personas.ALL) {
      md.append(
          String.format(
              Locale.ROOT,
              "| `%s` | %s | %s | %s %s-%s | %d-%d | %s-%s | %.0f | %s | %+.1f | %.2f | %d-%d | %d-%d | %.2f | %.2f | %s |%n",
              p.name(),
              mix(p.channels()),
              mix(p.payments()),
              p.shoppingDays().name().toLowerCase(Locale.ROOT),
              hour(p.fromHour()),
              hour(p.toHour()),
              p.minLines(),
              p.maxLines(),
              num(p.minOrdersPerMonth()),
              num(p.maxOrdersPerMonth()),
              p.meanActiveDays(),
              mix(p.categories()),
              p.priceBias(),
              p.returnShare(),
              p.minHousehold(),
              p.maxHousehold(),
              p.minBirthYear(),
              p.maxBirthYear(),
              p.advocateProbability(),
              p.reviewShare(),
              java.util.Arrays.stream(p.ratingWeights())
                  .mapToObj(w -> num(w))
                  .collect(Collectors.joining("/"))));
    }
    md.append(
        "\n`night_fashion_returner` is the planted unhappy, returning but valuable-ish customer: many 1-2 star reviews and about a third of lines returned.\n");

    md.append("\n## Planted journey (5A)\n\n")
        .append(
            "Stage evidence in `events.csv`: aware = `ad_impression`/`campaign_touch`; appeal = `product_view`/`wishlist`/`follow`; ")
        .append(
            "ask = `search`/`compare`/`inquiry`/`call_center_contact`/`add_to_cart`/`review_read`; act = `purchase` (a buyer's first transaction); ")
        .append(
            "advocate = `review` with rating >= 4, `share` or `referral`. A stage is reached at the first evidence at or after the previous stage; ")
        .append(
            "`truth/journey.csv` is derived from the written events with exactly this rule.\n\n")
        .append(
            "- Every customer starts at aware. Buyers then pass appeal and ask and act; stage delays are exponential with a persona mean ")
        .append(
            "(`weekday_app_lunch` 4 days ... `online_electronics` 18 days). The customer base grows over the year: first contacts get more frequent towards the run date.\n")
        .append(
            "- Prospects never act. Their chance to move on depends on what a model can observe: aware->appeal rises with the number of ")
        .append(
            "ad/campaign touches, touches in the app and household size >= 3; appeal->ask rises with the number of product views and a wishlist entry. ")
        .append(
            "A third of prospects first appear in the last 60 days, so some are still moving at the run date (stages after the run date are not reached).\n")
        .append(
            "- After acting, buyers emit a `purchase` event at each order time (same channel; sometimes a `product_view` minutes before), ")
        .append(
            "reviews for a persona-specific share of orders, and, with the persona's advocate probability, one advocacy event. ")
        .append("Reviews before advocacy are rated 1-3 so the truth stays exact.\n\n")
        .append(
            "Realised funnel (all customers):\n\n| from | to | rate | customers_from | customers_to |\n| --- | --- | ---: | ---: | ---: |\n");
    Stage[] stages = Stage.values();
    for (int i = 0; i + 1 < stages.length; i++) {
      long from = stageCounts.get(stages[i]);
      long to = stageCounts.get(stages[i + 1]);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.4f | %d | %d |%n",
              stages[i].label(),
              stages[i + 1].label(),
              from == 0 ? 0.0 : (double) to / from,
              from,
              to));
    }

    md.append(
            "\n## Planted bad transaction rows\n\nEach has exactly one defect; apart from exact duplicates each has its own order id, ")
        .append(
            "so dropping them leaves exactly the clean data.\n\n| reason | rows | example |\n| --- | ---: | --- |\n")
        .append(
            String.format(
                Locale.ROOT,
                "| `unparseable_quantity` | %d | qty `two`, `\"1,5x\"`, `3 pcs` |%n",
                BadRows.COUNTS.get(BadRows.UNPARSEABLE_QUANTITY)))
        .append(
            String.format(
                Locale.ROOT,
                "| `missing_customer_id` | %d | empty cust_id |%n",
                BadRows.COUNTS.get(BadRows.MISSING_CUSTOMER_ID)))
        .append(
            String.format(
                Locale.ROOT,
                "| `timestamp_after_run_date` | %d | order_ts 1-30 days after %s |%n",
                BadRows.COUNTS.get(BadRows.TIMESTAMP_AFTER_RUN_DATE),
                options.endDate()))
        .append(
            String.format(
                Locale.ROOT,
                "| `exact_duplicate` | %d | a clean line repeated verbatim (the repeat is the bad row) |%n",
                BadRows.COUNTS.get(BadRows.EXACT_DUPLICATE)))
        .append(
            String.format(
                Locale.ROOT,
                "| `unparseable_timestamp` | %d | `2026-13-45 99:00:00` |%n",
                BadRows.COUNTS.get(BadRows.UNPARSEABLE_TIMESTAMP)))
        .append(
            "\nApart from the `timestamp_after_run_date` rows, every timestamp lies in the history window.\n");

    Files.createDirectories(file.getParent());
    Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
  }

  private static String command(SampleDataGenerator.Options o) {
    return String.format(
        Locale.ROOT,
        "bin/generate-sample-data --customers %d --prospects %d --seed %d --end-date %s --days %d",
        o.buyers(),
        o.prospects(),
        o.seed(),
        o.endDate(),
        o.days());
  }

  private static void row(
      StringBuilder md, Map<String, Integer> rowsPerFile, String file, String what) {
    md.append("| `")
        .append(file)
        .append("` | ")
        .append(rowsPerFile.getOrDefault(file, 0))
        .append(" | ")
        .append(what)
        .append(" |\n");
  }

  private static String mix(Weighted<String> weighted) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < weighted.values().size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(weighted.values().get(i))
          .append(' ')
          .append(Math.round(weighted.weights()[i] * 100))
          .append('%');
    }
    return sb.toString();
  }

  private static String hour(double h) {
    double wrapped = h % 24;
    return String.format(
        Locale.ROOT, "%02d:%02d", (int) wrapped, (int) Math.round((wrapped % 1) * 60));
  }

  private static String num(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : String.format(Locale.ROOT, "%s", x);
  }
}
