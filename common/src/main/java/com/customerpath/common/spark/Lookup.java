package com.customerpath.common.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * Look-ups in small maps held on the driver (a persona id per cluster, a final id per provisional
 * one), written into the query as literals. A join with a table of them is broadcast, and each
 * broadcast is a Spark job in every query that reads the result; a literal map costs none.
 */
public final class Lookup {
  private Lookup() {}

  /** The value of key in map (an integer), null when key is absent or null. */
  public static Column intValue(Column key, Map<Integer, Integer> map) {
    return value(key, map, "int");
  }

  /** The value of key in map (a string, such as a persona's name), null when absent or null. */
  public static Column stringValue(Column key, Map<Integer, String> map) {
    return value(key, map, "string");
  }

  private static Column value(Column key, Map<Integer, ?> map, String type) {
    if (map.isEmpty()) {
      return functions.lit(null).cast(type);
    }
    List<Column> entries = new ArrayList<>();
    map.forEach(
        (k, v) -> {
          entries.add(functions.lit(k));
          entries.add(functions.lit(v));
        });
    return functions.try_element_at(functions.map(entries.toArray(Column[]::new)), key).cast(type);
  }
}
