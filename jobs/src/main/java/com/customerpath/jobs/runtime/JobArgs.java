package com.customerpath.jobs.runtime;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command-line arguments shared by every job: --date, --conf, --set key=value, --full-refresh,
 * --help.
 */
public record JobArgs(
    LocalDate date, String confFile, Map<String, String> overrides, boolean help) {

  public static final String USAGE =
      String.join(
          "\n",
          "Usage: <job> --date YYYY-MM-DD [--conf FILE] [--set key=value ...] [--full-refresh]",
          "  --date   business date of the run: reads data up to the end of that day, writes partition dt=DATE",
          "  --conf   HOCON file overriding reference.conf (e.g. conf/local.conf, conf/cluster.conf)",
          "  --set    override one config key, e.g. --set customerpath.output.root=/tmp/out (repeatable)",
          "  --full-refresh  ingest rebuilds the curated tables from every input file, not only the run date's",
          "           (same as --set customerpath.run.full-refresh=true)",
          "  --help   print this help");

  public static JobArgs parse(String... args) {
    LocalDate date = null;
    String conf = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--help", "-h" -> {
          return new JobArgs(null, null, Map.of(), true);
        }
        case "--date" -> date = parseDate(value(args, ++i, arg));
        case "--conf" -> conf = value(args, ++i, arg);
        case "--full-refresh" -> overrides.put("customerpath.run.full-refresh", "true");
        case "--set" -> {
          String kv = value(args, ++i, arg);
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException(
                "Cannot parse --set '" + kv + "': expected key=value");
          }
          overrides.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("Unknown argument '" + arg + "'\n" + USAGE);
      }
    }
    if (date == null) {
      throw new IllegalArgumentException("Missing --date YYYY-MM-DD\n" + USAGE);
    }
    return new JobArgs(date, conf, Map.copyOf(overrides), false);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException("Missing value after " + flag + "\n" + USAGE);
    }
    return args[i];
  }

  private static LocalDate parseDate(String s) {
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("Cannot parse --date '" + s + "': expected YYYY-MM-DD");
    }
  }
}
