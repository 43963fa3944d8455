package com.customerpath.sampledata;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Writes a seeded, byte-reproducible synthetic sample data set for the Customer Path pipeline:
 * transactions, events, customers, products, external reference files, and the planted truth
 * (personas, journeys, funnel rates, bad rows) that the pipeline's outputs can be checked against.
 *
 * <p>Usage: {@code SampleDataGenerator [--out DIR] [--customers N] [--prospects N] [--seed S]
 * [--end-date YYYY-MM-DD] [--days N]}
 */
public final class SampleDataGenerator {

  /** Generation settings; the defaults produce the committed sample-data/ set. */
  public record Options(
      Path out, int buyers, int prospects, long seed, LocalDate endDate, int days) {
    public static Options defaults() {
      return new Options(Paths.get("sample-data"), 2400, 1200, 42L, LocalDate.of(2026, 6, 30), 365);
    }

    public Options withOut(Path newOut) {
      return new Options(newOut, buyers, prospects, seed, endDate, days);
    }

    public Options withCustomers(int newBuyers, int newProspects) {
      return new Options(out, newBuyers, newProspects, seed, endDate, days);
    }
  }

  /** Counts of what was written, for the console and for tests. */
  public record Summary(
      int transactionRows,
      int orders,
      int events,
      int customers,
      int products,
      Map<String, Integer> badRowsByReason,
      Map<String, Long> stageCounts) {}

  /** Bad transaction rows planted per reason; each bad row has exactly one defect. */
  public static final Map<String, Integer> PLANTED_BAD_ROWS = BadRows.COUNTS;

  private SampleDataGenerator() {}

  public static void main(String[] args) throws IOException {
    Options options = parse(args);
    Summary summary = generate(options);
    System.out.printf(
        "Wrote %s: %d transaction rows (%d orders), %d events, %d customers, %d products%n",
        options.out(),
        summary.transactionRows(),
        summary.orders(),
        summary.events(),
        summary.customers(),
        summary.products());
    System.out.println("Customers per stage: " + summary.stageCounts());
  }

  public static Summary generate(Options options) throws IOException {
    return new SampleWorld(options).generateAndWrite();
  }

  static Options parse(String[] args) {
    Options defaults = Options.defaults();
    Path out = defaults.out();
    int buyers = defaults.buyers();
    int prospects = defaults.prospects();
    long seed = defaults.seed();
    LocalDate endDate = defaults.endDate();
    int days = defaults.days();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        System.out.println(
            "Usage: SampleDataGenerator [--out DIR] [--customers N] [--prospects N] "
                + "[--seed S] [--end-date YYYY-MM-DD] [--days N]");
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("Missing value for " + flag);
      }
      String value = args[++i];
      switch (flag) {
        case "--out" -> out = Paths.get(value);
        case "--customers" -> buyers = Integer.parseInt(value);
        case "--prospects" -> prospects = Integer.parseInt(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--end-date" -> endDate = LocalDate.parse(value);
        case "--days" -> days = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("Unknown option " + flag);
      }
    }
    if (buyers < 0 || prospects < 0 || days < 90) {
      throw new IllegalArgumentException("Need customers >= 0, prospects >= 0 and days >= 90");
    }
    return new Options(out, buyers, prospects, seed, endDate, days);
  }

  static List<String> personaNames() {
    return Personas.ALL.stream().map(Persona::name).toList();
  }
}
